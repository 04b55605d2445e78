import { Client } from 'pg';
import { createFeed } from '../support/fixtures';
import { raw } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';

/** ProGet's storage API (spec §7): types, a directory's settings, changing them, testing them. */
describe('storage settings API', () => {
  let t: TestApp;
  const json = { 'Content-Type': 'application/json' };
  const call = (method: string, path: string, body?: unknown) =>
    raw(t, method, path, { headers: json, body: body === undefined ? undefined : JSON.stringify(body) });

  beforeAll(async () => {
    t = await startTestApp({ STOCKROOM_ENCRYPTION_KEY: 'a test key for storage secrets' });
  });
  afterAll(() => t.close());

  it('lists the storage types with their properties', async () => {
    const res = await call('GET', '/api/storage');
    expect(res.status).toBe(200);
    const types = JSON.parse(res.text) as { id: string; properties: { name: string; secret: boolean }[] }[];
    expect(types.map((x) => x.id)).toEqual(['disk', 's3', 'azure']);
    expect(types[1].properties.find((p) => p.name === 'SecretAccessKey')?.secret).toBe(true);
  });

  it("shows a new directory's default disk storage, and tests it for real", async () => {
    await createFeed(t, 'plain');
    const res = await call('GET', '/api/storage?feed=plain');
    expect(res.status).toBe(200);
    const settings = JSON.parse(res.text);
    expect(settings.id).toBe('disk');
    expect(settings.properties.Path).toMatch(/storage\/feed-\d+$/);
    const test = JSON.parse((await call('POST', '/api/storage/test?feed=plain', {})).text);
    expect(test.steps.filter((s: { ok: boolean }) => !s.ok)).toEqual([]);
    expect(test.ok).toBe(true);
    expect(test.steps.map((s: { step: string }) => s.step)).toEqual(['connect', 'write', 'read', 'delete']);
  });

  it('reads a settings body as ProGet clients send it: no body tests the saved ones, extra fields are ignored', async () => {
    await createFeed(t, 'bodies');
    const message = (res: { text: string }) => JSON.parse(res.text).message as string;
    const noBody = await call('POST', '/api/storage/test?feed=bodies');
    expect([noBody.status, JSON.parse(noBody.text).ok]).toEqual([200, true]);
    // Only an absent body means "the saved settings": a field we do not read is not a storage.
    const stray = await call('POST', '/api/storage/test?feed=bodies', { move: {} });
    expect([stray.status, message(stray)]).toEqual([400, '"id" is required: one of disk, s3, azure.']);
    // What GET answered, sent back (with fields a client does not change), or `type` for `id`, any case.
    const shown = JSON.parse((await call('GET', '/api/storage?feed=bodies')).text);
    for (const body of [
      { ...shown, move: { id: 'x' }, extra: 1 },
      { id: null, type: 'DISK', properties: shown.properties },
    ]) {
      const res = await call('POST', '/api/storage?feed=bodies', body);
      expect([JSON.stringify(body), res.status, JSON.parse(res.text).id]).toEqual([JSON.stringify(body), 200, 'disk']);
    }
    const refused: [unknown, string][] = [
      [[], 'Expected a JSON object.'],
      [{ id: 5, type: 'disk' }, '"id" is required: one of disk, s3, azure.'],
      [{ type: null }, '"id" is required: one of disk, s3, azure.'],
      [{ id: 'disk', properties: ['Path'] }, 'Expected a JSON object.'],
      [{ id: 'disk', properties: null }, 'Expected a JSON object.'],
    ];
    for (const [body, expected] of refused) {
      const res = await call('POST', '/api/storage?feed=bodies', body);
      expect([JSON.stringify(body), res.status, message(res)]).toEqual([JSON.stringify(body), 400, expected]);
    }
  });

  it('keeps secrets encrypted at rest and never returns them; a masked secret keeps the stored one', async () => {
    await createFeed(t, 'cloud');
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const saved = await call('POST', '/api/storage?feed=CLOUD', {
      id: 'S3',
      properties: { bucketname: 'assets', AccessKey: 'AKIAEXAMPLE', SecretAccessKey: secret, UsePathStyle: 'true' },
    });
    expect(saved.status).toBe(200);
    expect(saved.text).not.toContain(secret);
    const shown = JSON.parse((await call('GET', '/api/storage?feed=cloud')).text);
    expect(shown).toEqual({
      id: 's3',
      properties: { BucketName: 'assets', AccessKey: 'AKIAEXAMPLE', SecretAccessKey: '********', UsePathStyle: true },
    });

    const db = new Client({ connectionString: t.db.url });
    await db.connect();
    try {
      const stored = JSON.stringify((await db.query(`SELECT storage FROM feeds WHERE name = 'cloud'`)).rows[0].storage);
      expect(stored).not.toContain(secret);
      expect(stored).toContain('enc:v1:');
      // Round trip: the masked value sent back keeps the secret (still encrypted, still not shown).
      expect((await call('POST', '/api/storage?feed=cloud', shown)).status).toBe(200);
      const again = JSON.stringify((await db.query(`SELECT storage FROM feeds WHERE name = 'cloud'`)).rows[0].storage);
      expect(again).toContain('enc:v1:');
    } finally {
      await db.end();
    }
    expect(JSON.parse((await call('GET', '/api/storage?feed=cloud')).text).properties.SecretAccessKey).toBe('********');
  });

  it('refuses bad settings with a 400 naming the problem', async () => {
    await createFeed(t, 'picky');
    const cases: [unknown, RegExp][] = [
      [{ id: 'ftp' }, /Unknown storage "ftp"/],
      [{ id: 's3', properties: {} }, /"BucketName" is required/],
      [{ id: 's3', properties: { BucketName: 'b', Bucket: 'x' } }, /Unknown property "Bucket"/],
      [{ id: 's3', properties: { BucketName: 'b', UsePathStyle: 'maybe' } }, /"UsePathStyle" must be true or false/],
      [{ id: 's3', properties: { BucketName: 'b', SecretAccessKey: 's' } }, /"AccessKey" is required/],
      [{ id: 's3', properties: { BucketName: 'b', CustomServiceUrl: 'ftp://x' } }, /must be an http\(s\) URL/],
      [{ id: 'azure', properties: { ContainerName: 'c', ConnectionString: '********' } }, /no stored value to keep/],
      [{ id: 'disk', properties: { Path: 'relative/dir' } }, /absolute path/],
      [{ id: 's3', properties: { BucketName: 'b', RegionEndpoint: 'evil.example#' } }, /"RegionEndpoint" must be/],
      [
        { id: 'azure', properties: { ContainerName: 'c', ConnectionString: 'AccountName=x' } },
        /"ConnectionString" is not a valid Azure Storage connection string/,
      ],
    ];
    for (const [body, message] of cases) {
      const res = await call('POST', '/api/storage?feed=picky', body);
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
      expect(JSON.parse(res.text).message).toMatch(message);
    }
    expect(JSON.parse((await call('GET', '/api/storage?feed=picky')).text).id).toBe('disk');
  });

  it('does not move a directory that holds files to a storage that does not work', async () => {
    await createFeed(t, 'full');
    expect((await raw(t, 'POST', '/endpoints/full/content/a.txt', { body: 'a' })).status).toBe(201);
    const res = await call('POST', '/api/storage?feed=full', {
      id: 's3',
      properties: { BucketName: 'b', CustomServiceUrl: 'http://127.0.0.1:1', AccessKey: 'k', SecretAccessKey: 's' },
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).message).toMatch(/Cannot move "full" to this s3 storage: the connect step failed/);
    expect(JSON.parse((await call('GET', '/api/storage?feed=full')).text)).toEqual({
      id: 'disk',
      properties: { Path: expect.any(String) },
    });
    expect((await call('GET', '/api/storage/moves?feed=full')).text).toBe('[]');
    expect((await raw(t, 'GET', '/endpoints/full/content/a.txt')).text).toBe('a');
  });

  it('a failing connection test says which step failed', async () => {
    await createFeed(t, 'broken');
    const res = await call('POST', '/api/storage/test?feed=broken', {
      id: 'disk',
      properties: { Path: '/dev/null/not-a-folder' },
    });
    expect(res.status).toBe(200);
    const result = JSON.parse(res.text);
    expect(result.ok).toBe(false);
    const failed = result.steps.find((s: { ok: boolean }) => !s.ok);
    expect(failed.step).toMatch(/connect|write/);
    expect(failed.message.length).toBeGreaterThan(0);
  });
});
