import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bytes, createFeed, endpoint, eventually } from '../support/fixtures';
import { raw } from '../support/http';
import { TcpProxy } from '../support/tcp-proxy';
import { basicAuth, startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * `GET /metrics` and `GET /health`, `/health/live` (issue 15), on the real server: who may scrape,
 * what the counters say after real uploads and downloads, and which dependency health names when
 * the database or a storage is gone.
 */

/** One sample of the Prometheus text: `name{a="x",b="y"} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value of the one series with exactly these labels (0 when absent). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const want = JSON.stringify(Object.entries(labels).sort());
  const found = samples.filter((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want);
  if (found.length > 1) throw new Error(`${name}: ${found.length} series with ${want}`);
  return found[0]?.value ?? 0;
}

const PASSWORD = 'plain-user-password';

async function scrape(t: TestApp): Promise<{ text: string; samples: Sample[] }> {
  const res = await raw(t, 'GET', '/metrics');
  if (res.status !== 200) throw new Error(`GET /metrics: ${res.status} ${res.text}`);
  return { text: res.text, samples: parse(res.text) };
}

describe('GET /metrics (default STOCKROOM_METRICS_ACCESS=administer)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    const created = await raw(t, 'POST', '/api/security/users', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userName: 'plain', password: PASSWORD }),
    });
    expect(created.status).toBe(201);
    await createFeed(t, 'metered');
  });
  afterAll(() => t?.close());

  it('is refused to anonymous callers (401) and to users without Administer (403); admins read it', async () => {
    const anonymous = await raw(t.url, 'GET', '/metrics', { headers: { Accept: 'text/html' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic/);
    expect(anonymous.text).not.toContain('stockroom_');
    const plain = await raw(t.url, 'GET', '/metrics', { headers: { Authorization: basicAuth('plain', PASSWORD) } });
    expect(plain.status).toBe(403);
    expect(plain.text).not.toContain('stockroom_');

    const admin = await raw(t, 'GET', '/metrics', { headers: { Accept: 'text/html' } });
    expect(admin.status).toBe(200);
    expect(admin.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(admin.headers['cache-control']).toBe('no-store');
    // The process metrics prom-client collects by default.
    expect(admin.text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(admin.text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(admin.text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });

  it('counts an upload and a download: requests, bytes in and out, durations, labelled by route template', async () => {
    const ep = endpoint(t, 'metered');
    const body = bytes(100_000);
    const before = (await scrape(t)).samples;

    expect((await ep('content/a/b/secret-name.bin', { method: 'POST', body })).status).toBe(201);
    const download = await ep('content/a/b/secret-name.bin');
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(body)).toBe(true);
    expect((await ep('content/a/b/missing.bin')).status).toBe(404);

    const { text, samples: after } = await scrape(t);
    const delta = (name: string, labels: Record<string, string> = {}) =>
      value(after, name, labels) - value(before, name, labels);
    const upload = { method: 'POST', route: '/endpoints/:feed/content/*', operation: 'upload' };
    const get = { method: 'GET', route: '/endpoints/:feed/content/*', operation: 'content' };

    expect(text).toContain(
      'stockroom_http_requests_total{method="POST",route="/endpoints/:feed/content/*",operation="upload",status_code="201"} 1',
    );
    expect(delta('stockroom_http_requests_total', { ...upload, status_code: '201' })).toBe(1);
    expect(delta('stockroom_http_requests_total', { ...get, status_code: '200' })).toBe(1);
    expect(delta('stockroom_http_requests_total', { ...get, status_code: '404' })).toBe(1);
    // Bytes in: exactly the upload's body; bytes out: exactly the file (plus the 404's short message).
    expect(delta('stockroom_http_request_body_bytes_total', upload)).toBe(100_000);
    expect(delta('stockroom_http_response_body_bytes_total', get)).toBeGreaterThanOrEqual(100_000);
    expect(delta('stockroom_http_response_body_bytes_total', get)).toBeLessThan(100_200);
    expect(delta('stockroom_http_request_duration_seconds_count', upload)).toBe(1);

    expect(delta('stockroom_upload_duration_seconds_count', { kind: 'file', outcome: 'ok' })).toBe(1);
    expect(delta('stockroom_download_duration_seconds_count', { outcome: 'complete' })).toBe(1);
    expect(value(after, 'stockroom_uploads_active', { kind: 'file' })).toBe(0);
    expect(text).toMatch(/^stockroom_upload_duration_seconds_bucket\{le="\+Inf",kind="file",outcome="ok"\} [1-9]/m);

    // Route templates only: no file or folder name of the request reaches a label.
    expect(text).not.toContain('secret-name');
    expect(text).not.toContain('a/b');
    expect(text).not.toContain('metered');
  });

  it('labels management routes by their template, chunked uploads as multipart, and unknown paths as unmatched', async () => {
    expect((await raw(t, 'GET', '/api/security/users/plain')).status).toBe(200);
    expect((await raw(t, 'GET', '/api/no-such-route')).status).toBe(404);
    const part = await raw(
      t,
      'POST',
      '/endpoints/metered/content/big.bin?multipart=upload&id=m1&index=0&offset=0&totalSize=3&partSize=3&totalParts=1',
      {
        body: 'abc',
      },
    );
    expect(part.status).toBe(200);

    const { text, samples } = await scrape(t);
    expect(
      value(samples, 'stockroom_http_requests_total', {
        method: 'GET',
        route: '/api/security/users/:name',
        operation: '',
        status_code: '200',
      }),
    ).toBe(1);
    expect(
      value(samples, 'stockroom_http_requests_total', {
        method: 'GET',
        route: 'unmatched',
        operation: '',
        status_code: '404',
      }),
    ).toBe(1);
    expect(
      value(samples, 'stockroom_http_requests_total', {
        method: 'POST',
        route: '/endpoints/:feed/content/*',
        operation: 'multipart',
        status_code: '200',
      }),
    ).toBe(1);
    expect(value(samples, 'stockroom_upload_duration_seconds_count', { kind: 'part', outcome: 'ok' })).toBe(1);
    expect(text).not.toContain('no-such-route');
    expect(text).not.toContain('route="/api/security/users/plain"');
  });

  it('shows the database pool', async () => {
    const { samples } = await scrape(t);
    expect(value(samples, 'stockroom_db_pool_connections')).toBeGreaterThanOrEqual(1);
    // data-source.ts: `extra: { max: 20 }`.
    expect(value(samples, 'stockroom_db_pool_max_connections')).toBe(20);
    const idle = samples.find((s) => s.name === 'stockroom_db_pool_idle_connections');
    const waiting = samples.find((s) => s.name === 'stockroom_db_pool_waiting_clients');
    expect(idle?.value).toBeGreaterThanOrEqual(0);
    expect(waiting?.value).toBe(0);
  });

  it('counts retention runs and the files they delete', async () => {
    await createFeed(t, 'trimmed');
    const ep = endpoint(t, 'trimmed');
    expect((await ep('content/old.zip', { method: 'POST', body: '12345' })).status).toBe(201);
    expect((await ep('content/keep.txt', { method: 'POST', body: 'kept' })).status).toBe(201);
    const rules = await raw(t, 'POST', '/api/management/feeds/update/trimmed', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ retentionRules: [{ deletePackageIds: ['*.zip'] }], retentionRulesEnabled: true }),
    });
    expect(rules.status).toBe(200);
    const run = await raw(t, 'POST', '/api/retention/trimmed/run?wait=true');
    expect(run.status).toBe(200);
    expect((await ep('content/old.zip')).status).toBe(404);

    const { samples } = await scrape(t);
    expect(value(samples, 'stockroom_retention_runs_total', { outcome: 'completed', dry_run: 'false' })).toBe(1);
    expect(value(samples, 'stockroom_retention_runs_total', { outcome: 'failed', dry_run: 'false' })).toBe(0);
    expect(value(samples, 'stockroom_retention_deleted_files_total')).toBe(1);
    expect(value(samples, 'stockroom_retention_deleted_bytes_total')).toBe(5);
  });

  it('counts storage moves and the files they copy', async () => {
    const moved = await raw(t, 'POST', '/api/storage?feed=trimmed', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'disk', properties: { Path: join(t.config.dataDir, 'moved') } }),
    });
    expect(moved.status).toBe(200);
    const id = (JSON.parse(moved.text) as { move: { id: string } }).move.id;
    await eventually(
      async () =>
        (JSON.parse((await raw(t, 'GET', `/api/storage/moves/${id}`)).text) as { state: string }).state === 'completed',
      15_000,
    );
    const { samples } = await scrape(t);
    expect(value(samples, 'stockroom_storage_moves_total', { outcome: 'completed' })).toBe(1);
    expect(value(samples, 'stockroom_storage_moves_total', { outcome: 'failed' })).toBe(0);
    expect(value(samples, 'stockroom_storage_move_files_total', { outcome: 'copied' })).toBe(1);
    expect(value(samples, 'stockroom_storage_move_bytes_total')).toBe(4);
  });
});

describe('GET /metrics with STOCKROOM_METRICS_ACCESS=public', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ STOCKROOM_METRICS_ACCESS: 'public' })));
  afterAll(() => t?.close());

  it('answers anyone, without credentials', async () => {
    const res = await raw(t.url, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('# TYPE stockroom_http_requests_total counter');
  });
});

describe('GET /health and /health/live', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t?.close());

  it('/health: 200 with the ProGet fields and every dependency up', async () => {
    const res = await fetch(`${t.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      databaseStatus: 'OK',
      serviceStatus: 'OK',
      versionNumber: t.config.version,
      releaseNumber: t.config.version,
      licenseStatus: 'OK',
      status: 'ok',
      checks: [
        { name: 'database', status: 'up' },
        { name: 'storage:disk:default', kind: 'disk', id: 'default', status: 'up' },
      ],
      down: [],
    });
    const live = await fetch(`${t.url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
  });

  it('asks the stores at most every few seconds: a storage that breaks shows once the cached answer expires', async () => {
    await createFeed(t, 'later');
    const res = await raw(t, 'POST', '/api/storage?feed=later', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        id: 's3',
        properties: { BucketName: 'b', CustomServiceUrl: 'http://127.0.0.1:1', AccessKey: 'k', SecretAccessKey: 's' },
      }),
    });
    expect(res.status).toBe(200);
    const health = async () => (await (await fetch(`${t.url}/health`)).json()) as { status: string; down: string[] };
    // Answered from the previous round of checks (a load balancer polling does not reach the stores).
    expect((await health()).status).toBe('ok');
    await eventually(async () => (await health()).status === 'degraded', 10_000);
    expect((await health()).down).toEqual([expect.stringMatching(/^storage:s3:[0-9a-f]{12}$/)]);
  }, 20_000);
});

describe('GET /health names a storage that does not answer', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t?.close());

  const setStorage = async (feed: string, settings: unknown) => {
    const res = await raw(t, 'POST', `/api/storage?feed=${feed}`, {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(settings),
    });
    expect([res.status, res.text]).toEqual([200, expect.any(String)]);
  };
  const idOf = (location: string) => createHash('sha256').update(location).digest('hex').slice(0, 12);

  it('a disk path that cannot be written and an unreachable S3 endpoint: named, 200 degraded, errors counted', async () => {
    const brokenPath = join(t.config.dataDir, 'broken-store');
    await createFeed(t, 'broken');
    await setStorage('broken', { id: 'disk', properties: { Path: brokenPath } });
    // A file where the folder should be: nothing can be written under it.
    await rm(brokenPath, { recursive: true, force: true });
    await writeFile(brokenPath, 'not a folder');
    await createFeed(t, 'unreachable');
    await setStorage('unreachable', {
      id: 's3',
      properties: {
        BucketName: 'gone',
        CustomServiceUrl: 'http://127.0.0.1:1',
        UsePathStyle: true,
        AccessKey: 'k',
        SecretAccessKey: 's',
      },
    });

    const res = await fetch(`${t.url}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; down: string[]; checks: Record<string, string>[] };
    const disk = `storage:disk:${idOf(`disk:${brokenPath}`)}`;
    const s3 = `storage:s3:${idOf('s3:http://127.0.0.1:1|gone|')}`;
    expect(body.status).toBe('degraded');
    expect(body.down.sort()).toEqual([disk, s3].sort());
    expect(body.checks).toEqual(
      expect.arrayContaining([
        { name: 'database', status: 'up' },
        { name: 'storage:disk:default', kind: 'disk', id: 'default', status: 'up' },
        { name: disk, kind: 'disk', id: idOf(`disk:${brokenPath}`), status: 'down', reason: 'unavailable' },
        { name: s3, kind: 's3', id: idOf('s3:http://127.0.0.1:1|gone|'), status: 'down', reason: expect.any(String) },
      ]),
    );
    // Public: no path, bucket or address in the answer.
    const text = JSON.stringify(body);
    expect(text).not.toContain('broken-store');
    expect(text).not.toContain('127.0.0.1');

    // The failed write is a storage error of the disk provider.
    const upload = await endpoint(t, 'broken')('content/x.bin', { method: 'POST', body: 'x' });
    expect(upload.status).toBeGreaterThanOrEqual(500);
    const { samples } = await scrape(t);
    const diskErrors = samples.filter(
      (s) =>
        s.name === 'stockroom_storage_errors_total' && s.labels.provider === 'disk' && s.labels.operation === 'write',
    );
    expect(diskErrors.reduce((sum, s) => sum + s.value, 0)).toBeGreaterThanOrEqual(1);
    expect(samples.some((s) => s.name === 'stockroom_storage_errors_total' && s.labels.provider === 's3')).toBe(true);
  });
});

describe('GET /health when the database goes away', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    const u = new URL(db.url);
    proxy = new TcpProxy(u.hostname, Number(u.port || 5432));
    await proxy.start();
    t = await startTestApp({}, { url: proxy.wrap(db.url), drop: async () => undefined });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.stop();
    await db?.drop();
  });

  it('answers 503 naming the database, while /health/live stays 200; recovers when it returns', async () => {
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
    proxy.cut();
    const res = await fetch(`${t.url}/health`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { databaseStatus: string; status: string; down: string[]; checks: unknown[] };
    expect(body.databaseStatus).toMatch(/^Error: /);
    expect(body.status).toBe('down');
    expect(body.down).toEqual(['database']);
    expect(body.checks).toContainEqual({ name: 'database', status: 'down', reason: expect.any(String) });
    // The storages the database listed last are still checked.
    expect(body.checks).toContainEqual({ name: 'storage:disk:default', kind: 'disk', id: 'default', status: 'up' });

    for (let i = 0; i < 3; i++) {
      const live = await fetch(`${t.url}/health/live`);
      expect(live.status).toBe(200);
    }

    proxy.restore();
    await eventually(async () => (await fetch(`${t.url}/health`)).status === 200, 15_000);
    expect((await fetch(`${t.url}/health/live`)).status).toBe(200);
  });
});
