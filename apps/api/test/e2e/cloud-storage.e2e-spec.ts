import type { StorageSettings } from '@stockroom/contracts';
import { newBlobKey } from '@stockroom/storage';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { Client } from 'pg';
import { MultipartJanitorService } from '../../src/modules/assets/multipart-janitor.service';
import { OutboundPolicy } from '../../src/common/net/outbound-policy';
import { createProvider } from '../../src/modules/storage/storage.service';
import { cloudBackends } from '../support/cloud-backends';
import { bytes, createFeed, endpoint, eventually, zipOf } from '../support/fixtures';
import { raw } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The asset API on each cloud backend, through the storage API, against real emulators. */
describe.each(cloudBackends)('asset API on $name', (backend) => {
  let t: TestApp;
  let stopBackend: () => Promise<void>;
  let ep: ReturnType<typeof endpoint>;
  let backendSettings: StorageSettings;
  const json = { 'Content-Type': 'application/json' };

  beforeAll(async () => {
    const started = await backend.start();
    stopBackend = started.stop;
    backendSettings = started.settings as StorageSettings;
    t = await startTestApp();
    await createFeed(t, 'cloud');
    const saved = await raw(t, 'POST', '/api/storage?feed=cloud', {
      headers: json,
      body: JSON.stringify(started.settings),
    });
    expect(saved.status).toBe(200);
    ep = endpoint(t, 'cloud');
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await stopBackend?.();
  });

  it('passes the connection test', async () => {
    const res = await raw(t, 'POST', '/api/storage/test?feed=cloud', { headers: json, body: '{}' });
    expect(JSON.parse(res.text)).toMatchObject({ ok: true });
  });

  it('stores, serves (whole, Range, HEAD), overwrites and deletes files', async () => {
    const data = bytes(300_000);
    expect((await ep('content/dir/a.bin', { method: 'POST', body: data })).status).toBe(201);
    const whole = await ep('content/dir/a.bin');
    expect(whole.status).toBe(200);
    expect(sha256(Buffer.from(await whole.arrayBuffer()))).toBe(sha256(data));
    const part = await ep('content/dir/a.bin', { headers: { Range: 'bytes=1000-1999' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(data.subarray(1000, 2000));
    expect((await ep('content/dir/a.bin', { method: 'HEAD' })).headers.get('content-length')).toBe('300000');
    const meta = await (await ep('metadata/dir/a.bin')).json();
    expect(meta.sha256).toBe(sha256(data));

    const next = bytes(1234);
    expect((await ep('content/dir/a.bin', { method: 'POST', body: next })).status).toBe(201);
    expect(Buffer.from(await (await ep('content/dir/a.bin')).arrayBuffer())).toEqual(next);
    expect((await ep('delete/dir/a.bin', { method: 'POST' })).status).toBe(200);
    expect((await ep('content/dir/a.bin')).status).toBe(404);
  });

  it('chunked upload with parts smaller than 5 MiB, out of order, completes into the exact file', async () => {
    const data = randomBytes(2_500_000);
    const parts = [
      { index: 2, offset: 2_000_000, size: 500_000 },
      { index: 0, offset: 0, size: 1_000_000 },
      { index: 1, offset: 1_000_000, size: 1_000_000 },
    ];
    for (const p of parts) {
      const q = `multipart=upload&id=cloud-1&index=${p.index}&offset=${p.offset}&totalSize=${data.length}&partSize=${p.size}&totalParts=3`;
      const res = await ep(`content/big/file.bin?${q}`, {
        method: 'POST',
        body: data.subarray(p.offset, p.offset + p.size),
      });
      expect(res.status).toBe(200);
    }
    expect((await ep('content/big/file.bin?multipart=complete&id=cloud-1', { method: 'POST' })).status).toBe(200);
    const got = Buffer.from(await (await ep('content/big/file.bin')).arrayBuffer());
    expect(sha256(got)).toBe(sha256(data));
    expect((await (await ep('metadata/big/file.bin')).json()).sha256).toBe(sha256(data));
  });

  it('redirect mode: a GET is a 302 to a short-lived store URL with the right type and name, after the privilege check, and counted', async () => {
    const data = bytes(70_000);
    expect((await ep('content/r/setup.msi', { method: 'POST', body: data })).status).toBe(201);
    const settings = JSON.parse((await raw(t, 'GET', '/api/storage?feed=cloud')).text);
    const set = (redirect: boolean) =>
      raw(t, 'POST', '/api/storage?feed=cloud', {
        headers: json,
        body: JSON.stringify({ ...settings, properties: { ...settings.properties, RedirectDownloads: redirect } }),
      });
    const saved = await set(true);
    expect(saved.status).toBe(200);
    expect(JSON.parse(saved.text).move).toBeUndefined();
    try {
      const res = await raw(t, 'GET', '/endpoints/cloud/content/r/setup.msi?download=true');
      expect(res.status).toBe(302);
      expect(res.headers['cache-control']).toBe('no-store');
      const location = String(res.headers.location);
      expect(location).not.toContain(t.url);
      const type = (await (await ep('metadata/r/setup.msi')).json()).type;
      // The URL needs no Stockroom credentials: it is the store's own, signed.
      const direct = await fetch(location);
      expect(direct.status).toBe(200);
      expect(direct.headers.get('content-type')).toBe(type);
      expect(direct.headers.get('content-disposition')).toBe('attachment; filename="setup.msi"');
      expect(sha256(Buffer.from(await direct.arrayBuffer()))).toBe(sha256(data));
      const range = await fetch(location, { headers: { Range: 'bytes=10-19' } });
      expect(range.status).toBe(206);
      expect(Buffer.from(await range.arrayBuffer())).toEqual(data.subarray(10, 20));
      // HEAD is answered here; an anonymous caller gets 401, never a URL.
      const head = await raw(t, 'HEAD', '/endpoints/cloud/content/r/setup.msi');
      expect([head.status, head.headers['content-length']]).toEqual([200, '70000']);
      const anonymous = await raw(t.url, 'GET', '/endpoints/cloud/content/r/setup.msi');
      expect([anonymous.status, anonymous.headers.location]).toEqual([401, undefined]);
      await eventually(async () => (await (await ep('metadata/r/setup.msi')).json()).downloadCount === 1);
    } finally {
      expect((await set(false)).status).toBe(200);
    }
    expect((await raw(t, 'GET', '/endpoints/cloud/content/r/setup.msi')).status).toBe(200);
  });

  it('the janitor removes what the store holds and the database does not know, and nothing else', async () => {
    // A file and an open chunked upload the database knows: they stay.
    const kept = bytes(10_000);
    expect((await ep('content/j/kept.bin', { method: 'POST', body: kept })).status).toBe(201);
    const part = (id: string) =>
      ep(`content/j/${id}.bin?multipart=upload&id=${id}&index=0&offset=0&totalSize=20&partSize=10&totalParts=2`, {
        method: 'POST',
        body: bytes(10),
      });
    expect((await part('open')).status).toBe(200);
    // Leftovers of crashes: an upload whose row was never written, and a blob no file names.
    expect((await part('crashed')).status).toBe(200);
    const db = new Client({ connectionString: t.db.url });
    await db.connect();
    const uploadId = async (id: string) =>
      (await db.query(`SELECT storage_upload_id FROM multipart_uploads WHERE client_id = $1`, [id])).rows[0]
        .storage_upload_id as string;
    const open = await uploadId('open');
    const crashed = await uploadId('crashed');
    await db.query(`DELETE FROM multipart_uploads WHERE client_id = 'crashed'`);
    await db.end();
    const store = createProvider(backendSettings, OutboundPolicy.unrestricted);
    const orphan = newBlobKey();
    await store.write(orphan, Readable.from([Buffer.from('orphan')]));
    const uploads = async () => {
      const found: string[] = [];
      for await (const u of store.listUploads()) found.push(u.uploadId);
      return found.sort();
    };
    expect(await uploads()).toEqual([open, crashed].sort());

    const janitor = t.app.get(MultipartJanitorService);
    expect(await janitor.removeStoreLeftovers(0)).toEqual({ uploads: 1, blobs: 1, failures: [] });
    expect(await store.stat(orphan)).toBeNull();
    expect(await uploads()).toEqual([open]);
    expect(Buffer.from(await (await ep('content/j/kept.bin')).arrayBuffer())).toEqual(kept);
    expect(await (await ep('content/j/open.bin?multipart=status&id=open')).json()).toMatchObject({ received: [0] });
    // A young leftover is left alone (it may be an upload being opened right now).
    const young = newBlobKey();
    await store.write(young, Readable.from([Buffer.from('young')]));
    expect(await janitor.removeStoreLeftovers()).toEqual({ uploads: 0, blobs: 0, failures: [] });
    expect(await store.stat(young)).not.toBeNull();
    await store.delete(young);
  });

  it('imports a zip and exports it back', async () => {
    const zip = await zipOf({ 'x/one.txt': 'one', 'two.txt': 'two' });
    const imported = await ep('import/arch?format=zip', { method: 'POST', body: zip });
    expect(await imported.json()).toEqual({ created: 2, overwritten: 0, skipped: 0 });
    expect(await (await ep('content/arch/x/one.txt')).text()).toBe('one');
    const exported = await ep('export/arch?format=zip&recursive=true');
    expect(exported.status).toBe(200);
    expect(
      Buffer.from(await exported.arrayBuffer())
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');
  });
});

describe('a directory whose cloud storage is unreachable', () => {
  let t: TestApp;
  const json = { 'Content-Type': 'application/json' };

  beforeAll(async () => {
    t = await startTestApp();
    await createFeed(t, 'gone');
    // A port nobody listens on.
    const settings = {
      id: 's3',
      properties: {
        BucketName: 'assets',
        CustomServiceUrl: 'http://127.0.0.1:9',
        UsePathStyle: true,
        AccessKey: 'a',
        SecretAccessKey: 'not-a-real-secret-value',
      },
    };
    expect(
      (await raw(t, 'POST', '/api/storage?feed=gone', { headers: json, body: JSON.stringify(settings) })).status,
    ).toBe(200);
  });
  afterAll(() => t?.close());

  it('says which step of the connection test failed', async () => {
    const result = JSON.parse(
      (await raw(t, 'POST', '/api/storage/test?feed=gone', { headers: json, body: '{}' })).text,
    );
    expect(result.ok).toBe(false);
    expect(result.steps[0]).toMatchObject({ step: 'connect', ok: false });
    expect(result.steps[0].message).toMatch(/./);
    expect(JSON.stringify(result)).not.toContain('not-a-real-secret-value');
  });

  it('answers an upload with 503 and a reason, and records nothing', async () => {
    const ep = endpoint(t, 'gone');
    const res = await ep('content/a.txt', { method: 'POST', body: 'hello' });
    expect(res.status).toBe(503);
    const reason = await res.text();
    expect(reason).toMatch(/storage is unavailable/i);
    // Neither the internal blob key nor the store's address reaches the caller (they are logged).
    expect(reason).not.toMatch(/blobs\/|127\.0\.0\.1|ECONNREFUSED/);
    expect(await (await ep('dir/')).json()).toEqual([]);
  });
});
