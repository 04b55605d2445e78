import type { AuditPage, Feed, RetentionRun } from '@stockroom/contracts';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { Clock } from '../../src/common/clock';
import { bytes, createFeed, endpoint, zipOf } from '../support/fixtures';
import { raw } from '../support/http';
import { basicAuth, startTestApp, type TestApp } from '../support/test-app';

const json = { 'Content-Type': 'application/json' };
const PASSWORD = 'directory-policies-password';
const MINUTE = 60_000;

/**
 * Sends a request head announcing `contentLength` body bytes, sends none, and returns what the
 * server answers before it has read a byte of the body (it answers, then closes the connection).
 */
function answerBeforeBody(port: number, head: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const bound = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer before the body; got ${JSON.stringify(received)}`));
    }, 10_000);
    socket.on('data', (d: Buffer) => (received += d.toString('utf8')));
    const done = () => {
      clearTimeout(bound);
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0),
        text: received.slice(received.indexOf('\r\n\r\n') + 4),
      });
    };
    socket.on('end', done);
    socket.on('error', done);
    socket.on('connect', () => socket.write(head));
  });
}

/**
 * Issue 17 §3: directory write policies (allow / create-only / read-only) and quotas, as a ProGet
 * client and an administrator see them: 403 naming the policy (400 kept for PUT onto a file), the
 * placeholder rule, refusals that are whole, 413 with the quota and the use, exact under concurrency.
 */
describe('directory policies: write policy and quota', () => {
  let t: TestApp;
  let clock: Clock;

  const as = (user: string) => ({ Authorization: basicAuth(user, PASSWORD) });
  const admin = { Authorization: '' };
  const api = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has('authorization')) headers.set('authorization', t.adminAuth);
    return fetch(`${t.url}${path}`, { ...init, headers });
  };
  const update = (feed: string, body: unknown, headers: Record<string, string> = {}) =>
    api(`/api/management/feeds/update/${feed}`, {
      method: 'POST',
      headers: { ...json, ...headers },
      body: JSON.stringify(body),
    });
  const setPolicy = async (feed: string, body: Record<string, unknown>) => {
    const res = await update(feed, body);
    if (res.status !== 200) throw new Error(`update ${feed}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Feed;
  };
  const getFeed = async (feed: string) => (await (await api(`/api/management/feeds/get/${feed}`)).json()) as Feed;
  const used = async (feed: string) => (await getFeed(feed)).quotaUsedBytes;
  /** The sizes of the files a listing shows, added up: what the quota must agree with. */
  const listedBytes = async (feed: string) => {
    const items = (await (await endpoint(t, feed)('dir/?recursive=true')).json()) as { type: string; size?: number }[];
    return items.filter((i) => i.type !== 'dir').reduce((sum, i) => sum + (i.size ?? 0), 0);
  };
  /** The status and the reason: the text body of /endpoints, the `message` of /api's JSON. */
  const expectRefused = async (res: Response, status: number, message: RegExp) => {
    const body = await res.text();
    const text = res.headers.get('content-type')?.startsWith('application/json')
      ? (JSON.parse(body) as { message: string }).message
      : body;
    expect([res.status, text]).toEqual([status, expect.stringMatching(message)]);
  };
  const post = (feed: string, path: string, body: Buffer | string, headers: Record<string, string> = {}) =>
    endpoint(t, feed)(`content/${path}`, { method: 'POST', body: Buffer.from(body), headers });
  const mustPost = async (feed: string, path: string, body: Buffer | string, headers: Record<string, string> = {}) => {
    const res = await post(feed, path, body, headers);
    if (res.status !== 201) throw new Error(`POST ${feed}/${path}: ${res.status} ${await res.text()}`);
  };
  const part = (feed: string, path: string, id: string, data: Buffer, headers: Record<string, string> = {}) =>
    endpoint(t, feed)(
      `content/${path}?multipart=upload&id=${id}&index=0&offset=0&totalSize=${data.length}&partSize=${data.length}&totalParts=1`,
      { method: 'POST', body: data, headers },
    );
  const complete = (feed: string, path: string, id: string, headers: Record<string, string> = {}) =>
    endpoint(t, feed)(`content/${path}?multipart=complete&id=${id}`, { method: 'POST', headers });

  beforeAll(async () => {
    t = await startTestApp();
    admin.Authorization = t.adminAuth;
    clock = t.app.get(Clock);
    for (const user of ['manager', 'other']) {
      const res = await raw(t, 'POST', '/api/security/users', {
        headers: json,
        body: JSON.stringify({ userName: user, password: PASSWORD }),
      });
      expect(res.status).toBe(201);
    }
    for (const feed of ['released', 'frozen', 'quota', 'race', 'stream']) {
      await createFeed(t, feed);
      for (const user of ['manager', 'other']) {
        const res = await raw(t, 'POST', '/api/security/privileges', {
          headers: json,
          body: JSON.stringify({ principalType: 'user', principalName: user, role: 'Manage Feed', feed }),
        });
        expect(res.status).toBe(201);
      }
    }
  });
  afterAll(() => t?.close());

  it('feeds get and list report the policy, the quota and its use; only an administrator changes them', async () => {
    const fresh = await getFeed('released');
    expect(fresh).toEqual(expect.objectContaining({ writePolicy: 'allow', quotaBytes: null, quotaUsedBytes: 0 }));

    // A directory manager may neither set nor lift a policy, nor set or raise a quota.
    await expectRefused(
      await update('released', { writePolicy: 'create-only' }, as('manager')),
      403,
      /Only an administrator can change "writePolicy"/,
    );
    await expectRefused(
      await update('released', { quotaBytes: 1000 }, as('manager')),
      403,
      /Only an administrator can change "quotaBytes"/,
    );
    // Sending the current values (a form that posts every field) is not a change.
    expect(
      (await update('released', { description: 'v1', writePolicy: 'allow', quotaBytes: null }, as('manager'))).status,
    ).toBe(200);
    // Bad values are a 400 naming the field.
    await expectRefused(await update('released', { writePolicy: 'write-once' }), 400, /"writePolicy" must be one of/);
    await expectRefused(await update('released', { quotaBytes: -1 }), 400, /"quotaBytes" must not be negative/);
    await expectRefused(await update('released', { quotaBytes: 1.5 }), 400, /"quotaBytes" must be a whole number/);

    expect(await setPolicy('released', { writePolicy: 'create-only' })).toEqual(
      expect.objectContaining({ writePolicy: 'create-only', quotaBytes: null }),
    );
    await expectRefused(
      await update('released', { writePolicy: 'allow' }, as('manager')),
      403,
      /Only an administrator can change "writePolicy"/,
    );
    await setPolicy('frozen', { writePolicy: 'read-only' });
    await setPolicy('quota', { quotaBytes: 10_000 });
    await expectRefused(
      await update('quota', { quotaBytes: 20_000 }, as('manager')),
      403,
      /Only an administrator can change "quotaBytes"/,
    );

    const listed = (await (await api('/api/management/feeds/list')).json()) as Feed[];
    const byName = new Map(listed.map((f) => [f.name, f]));
    expect(byName.get('released')).toEqual(expect.objectContaining({ writePolicy: 'create-only', quotaBytes: null }));
    expect(byName.get('frozen')).toEqual(expect.objectContaining({ writePolicy: 'read-only' }));
    expect(byName.get('quota')).toEqual(
      expect.objectContaining({ writePolicy: 'allow', quotaBytes: 10_000, quotaUsedBytes: 0 }),
    );

    // Each change is in the audit log, with what it was and what it became.
    const page = (await (await api('/api/security/audit?action=feed.policy_changed&feed=quota')).json()) as AuditPage;
    expect(page.events[0]).toEqual(
      expect.objectContaining({
        userName: 'Admin',
        feed: 'quota',
        details: { quotaBytes: { from: null, to: 10_000 } },
      }),
    );
    const created = await api('/api/management/feeds/create', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'born-locked', feedType: 'asset', writePolicy: 'read-only', quotaBytes: 5 }),
    });
    expect(await created.json()).toEqual(expect.objectContaining({ writePolicy: 'read-only', quotaBytes: 5 }));
  });

  it('create-only: new paths are written; overwrites and deletes are 403 naming the policy; PUT keeps its 400', async () => {
    const ep = endpoint(t, 'released');
    await mustPost('released', 'v1/app.zip', 'release one');
    expect(await (await ep('content/v1/app.zip')).text()).toBe('release one');

    await expectRefused(await post('released', 'v1/app.zip', 'tampered'), 403, /create-only.*"v1\/app\.zip"/);
    await expectRefused(
      await ep('content/v1/app.zip', { method: 'PATCH', body: Buffer.from('tampered') }),
      403,
      /is create-only/,
    );
    // PUT onto an existing file answers as it always has (the Cake add-in relies on the 400).
    await expectRefused(
      await ep('content/v1/app.zip', { method: 'PUT', body: Buffer.from('tampered') }),
      400,
      /already exists/,
    );
    await expectRefused(await ep('content/v1/app.zip', { method: 'DELETE' }), 403, /create-only.*cannot be deleted/);
    // A folder delete is refused whole, even when recursive; an empty folder is a path too.
    await expectRefused(await ep('delete/v1?recursive=true', { method: 'POST' }), 403, /create-only/);
    expect((await ep('dir/empty', { method: 'POST' })).status).toBe(201);
    await expectRefused(await ep('delete/empty', { method: 'POST' }), 403, /create-only/);
    // A multipart upload onto an existing file is refused at its first part, and at complete.
    await expectRefused(await part('released', 'v1/app.zip', 'mp-over', Buffer.from('tampered')), 403, /create-only/);
    // Metadata is not content: it may change.
    const meta = await ep('metadata/v1/app.zip', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ userMetadata: { approvedBy: 'qa' } }),
    });
    expect(meta.status).toBe(200);
    expect(await (await ep('content/v1/app.zip')).text()).toBe('release one');
    expect((await ep('content/v1/app.zip', { method: 'HEAD' })).status).toBe(200);

    // Deleting a create-only directory is for an administrator only.
    await expectRefused(
      await api('/api/management/feeds/delete/released', { method: 'DELETE', headers: as('manager') }),
      403,
      /create-only: only an administrator can delete it/,
    );
    expect((await getFeed('released')).name).toBe('released');
  });

  it('an import that would overwrite in a create-only directory is refused whole; new files import', async () => {
    const ep = endpoint(t, 'released');
    await mustPost('released', 'imp/old.txt', 'old');
    const overwriting = await zipOf({ 'new.txt': 'new', 'old.txt': 'replaced' });
    await expectRefused(
      await ep('import/imp?format=zip&overwrite=true', { method: 'POST', body: overwriting }),
      403,
      /create-only.*"imp\/old\.txt"/,
    );
    expect((await ep('content/imp/new.txt')).status).toBe(404);
    expect(await (await ep('content/imp/old.txt')).text()).toBe('old');
    // Without overwrite, existing files are skipped as always.
    const res = await ep('import/imp?format=zip', { method: 'POST', body: overwriting });
    expect([res.status, await res.json()]).toEqual([200, { created: 1, overwritten: 0, skipped: 1 }]);
    expect(await (await ep('content/imp/old.txt')).text()).toBe('old');
  });

  it('a 0-byte placeholder may be replaced once, by its writer, within 10 minutes', async () => {
    const ep = endpoint(t, 'released');
    // The ProGetAutomation habit (spec §8): an empty POST, then the bytes as a multipart upload.
    await mustPost('released', 'ph/tool.exe', '');
    expect((await part('released', 'ph/tool.exe', 'ph-1', Buffer.from('the tool'))).status).toBe(200);
    expect((await complete('released', 'ph/tool.exe', 'ph-1')).status).toBe(200);
    expect(await (await ep('content/ph/tool.exe')).text()).toBe('the tool');
    // Once only, even with 0 bytes again.
    await expectRefused(await post('released', 'ph/tool.exe', 'again'), 403, /create-only/);

    await mustPost('released', 'ph/twice.txt', '');
    await mustPost('released', 'ph/twice.txt', '');
    await expectRefused(await post('released', 'ph/twice.txt', 'third'), 403, /create-only/);

    // Another principal may not replace someone's placeholder.
    await mustPost('released', 'ph/mine.txt', '', as('manager'));
    await expectRefused(await post('released', 'ph/mine.txt', 'not yours', as('other')), 403, /create-only/);
    await mustPost('released', 'ph/mine.txt', 'mine', as('manager'));
    expect(await (await ep('content/ph/mine.txt')).text()).toBe('mine');

    // Ten minutes later the placeholder is a file like any other.
    await mustPost('released', 'ph/late.txt', '');
    clock.travel(11 * MINUTE);
    await expectRefused(await post('released', 'ph/late.txt', 'too late'), 403, /create-only/);
  });

  it('read-only refuses every write with 403 naming the policy', async () => {
    const ep = endpoint(t, 'frozen');
    await setPolicy('frozen', { writePolicy: 'allow' });
    await mustPost('frozen', 'kept.txt', 'kept');
    await setPolicy('frozen', { writePolicy: 'read-only' });
    const readOnly = /"frozen" is read-only/;
    await expectRefused(await post('frozen', 'new.txt', 'x'), 403, readOnly);
    await expectRefused(await post('frozen', 'kept.txt', 'x'), 403, readOnly);
    await expectRefused(await ep('content/kept.txt', { method: 'PUT', body: Buffer.from('x') }), 400, /already exists/);
    await expectRefused(await ep('content/new.txt', { method: 'PUT', body: Buffer.from('x') }), 403, readOnly);
    await expectRefused(await ep('content/kept.txt', { method: 'DELETE' }), 403, readOnly);
    await expectRefused(await ep('delete/kept.txt', { method: 'POST' }), 403, readOnly);
    await expectRefused(await ep('dir/folder', { method: 'POST' }), 403, readOnly);
    await expectRefused(await part('frozen', 'big.bin', 'ro-1', Buffer.from('x')), 403, readOnly);
    await expectRefused(
      await ep('import/?format=zip', { method: 'POST', body: await zipOf({ 'a.txt': 'a' }) }),
      403,
      readOnly,
    );
    await expectRefused(
      await ep('metadata/kept.txt', { method: 'POST', headers: json, body: JSON.stringify({ type: 'text/csv' }) }),
      403,
      readOnly,
    );
    // Reading is unaffected.
    expect(await (await ep('content/kept.txt')).text()).toBe('kept');
    const items = (await (await ep('dir/')).json()) as { name: string }[];
    expect(items.map((i) => i.name)).toEqual(['kept.txt']);
  });

  it('retention does not delete in a create-only directory', async () => {
    await createFeed(t, 'aging');
    await mustPost('aging', 'old.log', 'log');
    clock.travel(3 * 86_400_000);
    await setPolicy('aging', {
      writePolicy: 'create-only',
      retentionRules: [{ deletePackageIds: ['*.log'], deleteOlderThanDays: 1 }],
      retentionRulesEnabled: true,
    });
    const res = await api('/api/retention/aging/run?wait=true', { method: 'POST' });
    expect(res.status).toBe(200);
    const run = (await res.json()) as RetentionRun;
    expect(run).toEqual(expect.objectContaining({ state: 'completed', deletedFiles: 0, skippedFiles: 1 }));
    const files = (await (await api(`/api/retention/runs/${run.id}`)).json()) as RetentionRun & {
      files: { note?: string }[];
    };
    expect(files.files[0].note).toMatch(/create-only/);
    expect(await (await endpoint(t, 'aging')('content/old.log')).text()).toBe('log');
  });

  it('the quota: 413 before the body when its length is known, while streaming otherwise; use tracks writes', async () => {
    const ep = endpoint(t, 'quota'); // quota 10,000 bytes (first test)
    await mustPost('quota', 'a.bin', bytes(4000));
    expect(await used('quota')).toBe(4000);

    // Known length: answered before a byte of the body is sent.
    const early = await answerBeforeBody(
      t.port,
      `POST /endpoints/quota/content/big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${t.adminAuth}\r\n` +
        `Content-Length: 7000\r\n\r\n`,
    );
    expect(early.status).toBe(413);
    expect(early.text).toMatch(/quota: 7000 more bytes, with 4000 of its 10000 bytes in use/);

    // Unknown length (chunked): cut off once the bytes pass what is left.
    const chunked = await raw(t, 'POST', '/endpoints/quota/content/big.bin', {
      headers: { 'Transfer-Encoding': 'chunked' },
      body: Readable.from([bytes(3000), bytes(3000), bytes(3000)]),
    });
    expect(chunked.status).toBe(413);
    expect(chunked.text).toMatch(/quota of 10000 bytes: 4000 bytes are in use/);
    expect((await ep('content/big.bin')).status).toBe(404);
    expect(await used('quota')).toBe(4000);

    // An overwrite counts the difference; a delete gives the room back.
    await mustPost('quota', 'b.bin', bytes(5000));
    expect(await used('quota')).toBe(9000);
    await mustPost('quota', 'a.bin', bytes(5000)); // 4000 → 5000: 10,000 exactly
    expect(await used('quota')).toBe(10_000);
    await expectRefused(await post('quota', 'c.bin', bytes(1)), 413, /quota/);
    expect((await ep('content/b.bin', { method: 'DELETE' })).status).toBe(200);
    expect(await used('quota')).toBe(5000);
    await mustPost('quota', 'dir/c.bin', bytes(2000));
    expect((await ep('delete/dir?recursive=true', { method: 'POST' })).status).toBe(200);
    expect(await used('quota')).toBe(5000);
    expect(await listedBytes('quota')).toBe(5000);

    // An import over the quota is refused whole.
    const zip = await zipOf({ 'x.bin': bytes(3000), 'y.bin': bytes(3000) });
    await expectRefused(await ep('import/imp?format=zip', { method: 'POST', body: zip }), 413, /quota/);
    expect((await ep('content/imp/x.bin')).status).toBe(404);
    expect(await used('quota')).toBe(5000);

    // A quota lowered under the use: writes that do not grow the directory still go through.
    await setPolicy('quota', { quotaBytes: 1000 });
    await mustPost('quota', 'a.bin', bytes(10));
    expect(await used('quota')).toBe(10);
    await setPolicy('quota', { quotaBytes: 10_000 });
  });

  it('a multipart complete that would pass the quota is 413 and leaves nothing', async () => {
    const ep = endpoint(t, 'stream');
    await setPolicy('stream', { quotaBytes: 10_000 });
    // Each upload fits alone; together they do not: the second complete is refused.
    expect((await part('stream', 'one.bin', 'mp-a', bytes(6000))).status).toBe(200);
    expect((await part('stream', 'two.bin', 'mp-b', bytes(6000))).status).toBe(200);
    expect((await complete('stream', 'one.bin', 'mp-a')).status).toBe(200);
    await expectRefused(
      await complete('stream', 'two.bin', 'mp-b'),
      413,
      /"stream" would exceed its quota: 6000 more bytes, with 6000 of its 10000 bytes in use/,
    );
    expect((await ep('content/two.bin')).status).toBe(404);
    expect(await used('stream')).toBe(6000);
    // Parts over the quota are refused at once when their total size says so.
    await expectRefused(await part('stream', 'three.bin', 'mp-c', bytes(5000)), 413, /quota/);
  });

  it('50 concurrent uploads that together exceed the quota never leave the total above it', async () => {
    const quota = 100_000;
    await setPolicy('race', { quotaBytes: quota });
    const size = 4096;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        // Half with a length the server checks first, half chunked (checked while streaming and at commit).
        i % 2 === 0
          ? post('race', `f${i}.bin`, bytes(size)).then(async (r) => ({ status: r.status, text: await r.text() }))
          : raw(t, 'POST', `/endpoints/race/content/f${i}.bin`, {
              headers: { 'Transfer-Encoding': 'chunked' },
              body: Readable.from([bytes(size)]),
            }).then((r) => ({ status: r.status, text: r.text })),
      ),
    );
    const created = results.filter((r) => r.status === 201).length;
    const refused = results.filter((r) => r.status === 413);
    expect(created + refused.length).toBe(50);
    expect(created).toBe(Math.floor(quota / size)); // 24 fit; not one more
    for (const r of refused) expect(r.text).toMatch(/quota/);
    const use = await used('race');
    expect(use).toBe(created * size);
    expect(use).toBeLessThanOrEqual(quota);
    expect(await listedBytes('race')).toBe(use);
  });

  it('an administrator may delete a create-only directory, files and all', async () => {
    expect((await getFeed('released')).writePolicy).toBe('create-only');
    const res = await api('/api/management/feeds/delete/released', { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect((await api('/api/management/feeds/get/released')).status).toBe(404);
    const page = (await (await api('/api/security/audit?action=feed.deleted&feed=released')).json()) as AuditPage;
    expect(page.events.map((e) => e.userName)).toEqual(['Admin']);
  });
});
