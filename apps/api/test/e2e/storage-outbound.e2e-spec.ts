import { AZURITE_ACCOUNT_KEY, freePort } from '@stockroom/storage/testing';
import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { AddressInfo, createConnection, createServer as createTcpServer, Server as TcpServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../../src/config/app-config';
import { cloudBackends } from '../support/cloud-backends';
import { eventually } from '../support/fixtures';
import { raw, RawResponse } from '../support/http';
import { startServerProcess, ServerProcess } from '../support/server-process';
import { basicAuth, startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * Issue 13, item 3: which addresses a user can make the server contact, with which credentials.
 * A directory manager (Manage Feed, not Administer) may not aim a storage at an address of their
 * choosing nor at the server's own cloud credentials; test errors tell them no network detail;
 * STOCKROOM_OUTBOUND_ALLOW binds everyone, administrators included, at connect time; no redirect
 * is followed; a web page is never served as a file.
 */

const MANAGER_PASSWORD = 'manager-Passw0rd';

interface Target {
  url: string;
  adminAuth: string;
}

/** An HTTP server on 127.0.0.1 that records every request it receives (what an attacker would run). */
class CaptureServer {
  readonly requests: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
  private server?: Server;
  url = '';
  constructor(private readonly answer: (res: ServerResponse, url: string) => void = (res) => res.end()) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      req.resume();
      req.on('end', () => this.answer(res, req.url ?? ''));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A TCP relay on 127.0.0.1 in front of an emulator, counting the connections that reach it. */
class CountingRelay {
  connections = 0;
  port = 0;
  private server?: TcpServer;
  constructor(private readonly targetPort: number) {}

  async start(): Promise<this> {
    this.server = createTcpServer((client) => {
      this.connections++;
      const upstream = createConnection(this.targetPort, '127.0.0.1');
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function call(target: Target, auth: string, method: string, path: string, body?: unknown): Promise<RawResponse> {
  return raw(target.url, method, path, {
    headers: { 'Content-Type': 'application/json', Authorization: auth },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function must(res: Promise<RawResponse>, status: number): Promise<RawResponse> {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${r.text}`);
  return r;
}

async function createDirectory(target: Target, name: string): Promise<void> {
  await must(call(target, target.adminAuth, 'POST', '/api/management/feeds/create', { name, feedType: 'asset' }), 200);
}

/** A user with Manage Feed on `feeds` (and nothing else); returns their Authorization header. */
async function manager(target: Target, name: string, feeds: string[]): Promise<string> {
  await must(
    call(target, target.adminAuth, 'POST', '/api/security/users', { userName: name, password: MANAGER_PASSWORD }),
    201,
  );
  for (const feed of feeds) {
    await must(
      call(target, target.adminAuth, 'POST', '/api/security/privileges', {
        principalType: 'user',
        principalName: name,
        role: 'Manage Feed',
        feed,
      }),
      201,
    );
  }
  return basicAuth(name, MANAGER_PASSWORD);
}

/**
 * Puts settings straight into a directory's row, as if saved before the allow list was set, and
 * waits until the app sees them (its directory cache drops on the database's change notification).
 */
async function forceStorage(
  app: TestApp,
  feed: string,
  settings: { id: string; properties: Record<string, unknown> },
): Promise<void> {
  const client = new Client({ connectionString: app.db.url });
  await client.connect();
  try {
    await client.query(`UPDATE feeds SET storage = $2 WHERE name = $1`, [feed, JSON.stringify(settings)]);
  } finally {
    await client.end();
  }
  await eventually(async () => {
    const shown = JSON.parse((await call(app, app.adminAuth, 'GET', `/api/storage?feed=${feed}`)).text);
    return shown.id === settings.id && shown.properties.CustomServiceUrl === settings.properties['CustomServiceUrl'];
  });
}

async function closedPort(): Promise<number> {
  return freePort();
}

const message = (res: RawResponse) => (JSON.parse(res.text) as { message: string }).message;
const failedStep = (res: RawResponse) =>
  (JSON.parse(res.text) as { steps: { step: string; ok: boolean; message: string }[] }).steps.find((s) => !s.ok);

const s3At = (url: string, extra: Record<string, unknown> = {}) => ({
  id: 's3',
  properties: { BucketName: 'assets', CustomServiceUrl: url, UsePathStyle: true, ...extra },
});
const azureAt = (blobEndpoint: string) => ({
  id: 'azure',
  properties: {
    ConnectionString: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=${blobEndpoint}/devstoreaccount1;`,
    ContainerName: 'assets',
  },
});

describe('storage privileges: who may make the server contact which address', () => {
  let t: TestApp;
  let capture: CaptureServer;
  let managerAuth: string;

  beforeAll(async () => {
    t = await startTestApp({ STOCKROOM_ENCRYPTION_KEY: 'outbound test key' });
    capture = await new CaptureServer().start();
    for (const name of ['managed', 'own-keys', 'admin-set', 'admin-keys', 'webpage']) await createDirectory(t, name);
    managerAuth = await manager(t, 'manager', ['managed', 'own-keys', 'admin-set', 'admin-keys']);
  });
  afterAll(async () => {
    await capture?.stop();
    await t?.close();
  });

  it('refuses a Manage Feed user any address of their choosing or the server credentials (403), and nothing is contacted', async () => {
    const key = AZURITE_ACCOUNT_KEY;
    const bodies: [string, unknown][] = [
      ['S3 custom endpoint', s3At(capture.url, { AccessKey: 'mine', SecretAccessKey: 'my-secret' })],
      ['S3 without keys', { id: 's3', properties: { BucketName: 'someone-elses-bucket' } }],
      ['S3 access key alone', { id: 's3', properties: { BucketName: 'b', AccessKey: 'AKIAONLY' } }],
      ['Azure BlobEndpoint', azureAt(capture.url)],
      [
        'Azure SAS on an own endpoint',
        {
          id: 'azure',
          properties: {
            ConnectionString: `BlobEndpoint=${capture.url}/acct;SharedAccessSignature=sv=2020-08-04&sig=x`,
            ContainerName: 'c',
          },
        },
      ],
      [
        'Azure over http',
        {
          id: 'azure',
          properties: {
            ConnectionString: `DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=${key};EndpointSuffix=core.windows.net`,
            ContainerName: 'c',
          },
        },
      ],
      [
        'Azure EndpointSuffix',
        {
          id: 'azure',
          properties: {
            ConnectionString: `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${key};EndpointSuffix=attacker.example`,
            ContainerName: 'c',
          },
        },
      ],
      [
        'Azure development storage',
        { id: 'azure', properties: { ConnectionString: 'UseDevelopmentStorage=true', ContainerName: 'c' } },
      ],
      // (In the test's own folder: were it ever let through, it stays there.)
      ['disk folder', { id: 'disk', properties: { Path: join(t.workDir, 'elsewhere') } }],
    ];
    for (const [what, body] of bodies) {
      for (const path of ['/api/storage/test?feed=managed', '/api/storage?feed=managed']) {
        const res = await call(t, managerAuth, 'POST', path, body);
        expect([what, path, res.status]).toEqual([what, path, 403]);
        expect(message(res)).toMatch(/^Only an administrator can /);
      }
    }
    expect(capture.requests).toEqual([]);
    expect(JSON.parse((await call(t, managerAuth, 'GET', '/api/storage?feed=managed')).text).id).toBe('disk');
  });

  it('lets a Manage Feed user use their own keys on the public AWS and Azure endpoints, and the default folder', async () => {
    const allowed: unknown[] = [
      {
        id: 's3',
        properties: {
          BucketName: 'my-bucket',
          RegionEndpoint: 'eu-west-1',
          AccessKey: 'AKIAMINE',
          SecretAccessKey: 'mine',
        },
      },
      {
        id: 'azure',
        properties: {
          ConnectionString: `DefaultEndpointsProtocol=https;AccountName=mine;AccountKey=${AZURITE_ACCOUNT_KEY};EndpointSuffix=core.windows.net`,
          ContainerName: 'c',
        },
      },
      {
        id: 'azure',
        properties: {
          ConnectionString: 'BlobEndpoint=https://mine.blob.core.windows.net/;SharedAccessSignature=sv=2020&sig=x',
          ContainerName: 'c',
        },
      },
      { id: 'disk', properties: {} },
    ];
    for (const body of allowed) {
      const res = await call(t, managerAuth, 'POST', '/api/storage?feed=own-keys', body);
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 200]);
    }
  });

  it("lets a Manage Feed user re-save and test an administrator's settings as they are, never repoint them", async () => {
    const port = await closedPort();
    const adminSettings = s3At(`http://127.0.0.1:${port}`, { AccessKey: 'AKIAADMIN', SecretAccessKey: 'admin-secret' });
    await must(call(t, t.adminAuth, 'POST', '/api/storage?feed=admin-set', adminSettings), 200);

    // Round trip of what they are shown (secret masked), and an option changed: fine.
    const shown = JSON.parse((await call(t, managerAuth, 'GET', '/api/storage?feed=admin-set')).text);
    expect(shown.properties.SecretAccessKey).toBe('********');
    await must(call(t, managerAuth, 'POST', '/api/storage?feed=admin-set', shown), 200);
    const redirect = { ...shown, properties: { ...shown.properties, RedirectDownloads: true } };
    await must(call(t, managerAuth, 'POST', '/api/storage?feed=admin-set', redirect), 200);
    await must(call(t, managerAuth, 'POST', '/api/storage/test?feed=admin-set', shown), 200);

    // Anything else about the connection is the administrator's.
    for (const change of [{ BucketName: 'other' }, { CustomServiceUrl: capture.url }, { TargetPath: 'x/' }]) {
      const body = { ...shown, properties: { ...shown.properties, ...change } };
      const res = await call(t, managerAuth, 'POST', '/api/storage?feed=admin-set', body);
      expect([change, res.status]).toEqual([change, 403]);
      expect(message(res)).toMatch(/^Only an administrator can /);
    }

    // A failed test of the saved settings: the step, no address, no port, no SDK message.
    const mine = await must(call(t, managerAuth, 'POST', '/api/storage/test?feed=admin-set', {}), 200);
    const step = failedStep(mine);
    expect(step?.step).toBe('connect');
    expect(step?.message).toMatch(/^Could not connect to the storage/);
    for (const detail of ['127.0.0.1', String(port), 'ECONNREFUSED', 'localhost', 'S3', 'http'])
      expect([detail, step?.message.includes(detail)]).toEqual([detail, false]);
    // An administrator keeps the detail.
    const theirs = await must(call(t, t.adminAuth, 'POST', '/api/storage/test?feed=admin-set', {}), 200);
    expect(failedStep(theirs)?.message).toMatch(/ECONNREFUSED/);
    expect(capture.requests).toEqual([]);
  });

  it("never lets a Manage Feed user point an administrator's saved keys elsewhere without typing them", async () => {
    const adminKeys = {
      id: 's3',
      properties: { BucketName: 'admin-bucket', AccessKey: 'AKIAADMIN', SecretAccessKey: 'admin-secret' },
    };
    await must(call(t, t.adminAuth, 'POST', '/api/storage?feed=admin-keys', adminKeys), 200);
    const masked = { AccessKey: 'AKIAADMIN', SecretAccessKey: '********' };
    const elsewhere = { id: 's3', properties: { BucketName: 'other-bucket', ...masked } };
    const refused = await call(t, managerAuth, 'POST', '/api/storage?feed=admin-keys', elsewhere);
    expect(refused.status).toBe(403);
    expect(message(refused)).toMatch(/type the secret again/);
    expect((await call(t, managerAuth, 'POST', '/api/storage/test?feed=admin-keys', elsewhere)).status).toBe(403);

    // With their own keys typed: theirs, and from then on their masked secret is theirs to reuse.
    const own = {
      id: 's3',
      properties: { BucketName: 'other-bucket', AccessKey: 'AKIAMINE', SecretAccessKey: 'mine' },
    };
    await must(call(t, managerAuth, 'POST', '/api/storage?feed=admin-keys', own), 200);
    const again = { id: 's3', properties: { BucketName: 'third', AccessKey: 'AKIAMINE', SecretAccessKey: '********' } };
    await must(call(t, managerAuth, 'POST', '/api/storage?feed=admin-keys', again), 200);
  });

  it('never serves a web page answering at the storage address as a file', async () => {
    const page = '<html><body>internal admin page</body></html>';
    const web = await new CaptureServer((res) => {
      res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(page) });
      res.end(page);
    }).start();
    try {
      const upload = await raw(t, 'POST', '/endpoints/webpage/content/a.txt', { body: 'x'.repeat(page.length) });
      expect(upload.status).toBe(201);
      await forceStorage(t, 'webpage', s3At(web.url, { AccessKey: 'k', SecretAccessKey: 's' }));
      const res = await raw(t, 'GET', '/endpoints/webpage/content/a.txt').catch(() => undefined);
      expect(web.requests.length).toBeGreaterThan(0);
      expect(res?.status).not.toBe(200);
      expect(res?.text ?? '').not.toContain('internal admin page');
      // And a write there fails instead of "succeeding" into a web page.
      const put = await raw(t, 'POST', '/endpoints/webpage/content/b.txt', { body: 'b' });
      expect(put.status).not.toBe(201);
    } finally {
      await web.stop();
    }
  });
});

describe("the server's own cloud credentials (server in a child process with AWS variables set)", () => {
  const ENV_KEY = 'AKIASERVERENVIRONMENT';
  const ENV_TOKEN = 'server-session-token-never-to-leave';
  let db: TestDatabase;
  let server: ServerProcess;
  let capture: CaptureServer;
  let managerAuth: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startServerProcess({
      DATABASE_URL: db.url,
      AWS_ACCESS_KEY_ID: ENV_KEY,
      AWS_SECRET_ACCESS_KEY: 'server-environment-secret',
      AWS_SESSION_TOKEN: ENV_TOKEN,
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    capture = await new CaptureServer().start();
    await createDirectory(server, 'cloudy');
    managerAuth = await manager(server, 'manager', ['cloudy']);
  }, 90_000);
  afterAll(async () => {
    await capture?.stop();
    await server?.stop();
    await db?.drop();
  });

  it('a Manage Feed user cannot make the server sign requests with them: 403, the capture server sees nothing', async () => {
    for (const body of [s3At(capture.url), { id: 's3', properties: { BucketName: 'any-bucket' } }]) {
      for (const path of ['/api/storage/test?feed=cloudy', '/api/storage?feed=cloudy']) {
        const res = await call(server, managerAuth, 'POST', path, body);
        expect([path, res.status]).toEqual([path, 403]);
        expect(message(res)).toMatch(/^Only an administrator can /);
      }
    }
    expect(capture.requests).toEqual([]);

    // What the refusal prevents: an administrator's keyless S3 does use the server's identity.
    await must(call(server, server.adminAuth, 'POST', '/api/storage/test?feed=cloudy', s3At(capture.url)), 200);
    const seen = capture.requests.map((r) => `${r.headers['authorization']} ${r.headers['x-amz-security-token']}`);
    expect(seen.some((h) => h.includes(ENV_KEY) && h.includes(ENV_TOKEN))).toBe(true);
  });
});

describe('STOCKROOM_OUTBOUND_ALLOW', () => {
  let s3: Awaited<ReturnType<(typeof cloudBackends)[number]['start']>>;
  let azure: Awaited<ReturnType<(typeof cloudBackends)[number]['start']>>;
  let s3Relay: CountingRelay;
  let azureRelay: CountingRelay;
  let denying: TestApp;
  let allowing: TestApp;
  let byName: TestApp;

  /** The emulators' settings, through the counting relays, on `host`. */
  const s3Settings = (host = '127.0.0.1') => ({
    ...s3.settings,
    properties: { ...s3.settings.properties, CustomServiceUrl: `http://${host}:${s3Relay.port}` },
  });
  const azureSettings = (host = '127.0.0.1') => ({
    ...azure.settings,
    properties: {
      ...azure.settings.properties,
      ConnectionString: String(azure.settings.properties['ConnectionString']).replace(
        /BlobEndpoint=http:\/\/[^/]+\//,
        `BlobEndpoint=http://${host}:${azureRelay.port}/`,
      ),
    },
  });

  beforeAll(async () => {
    s3 = await cloudBackends[0].start();
    azure = await cloudBackends[1].start();
    s3Relay = await new CountingRelay(Number(new URL(String(s3.settings.properties['CustomServiceUrl'])).port)).start();
    const azurePort = /BlobEndpoint=http:\/\/[^:]+:(\d+)\//.exec(String(azure.settings.properties['ConnectionString']));
    azureRelay = await new CountingRelay(Number(azurePort?.[1])).start();
    denying = await startTestApp({ STOCKROOM_OUTBOUND_ALLOW: '127.0.0.2, 10.0.0.0/8' });
    allowing = await startTestApp({ STOCKROOM_OUTBOUND_ALLOW: '127.0.0.1' });
    byName = await startTestApp({ STOCKROOM_OUTBOUND_ALLOW: 'localhost' });
    for (const app of [denying, allowing, byName]) for (const n of ['one', 'two']) await createDirectory(app, n);
  }, 120_000);
  afterAll(async () => {
    for (const app of [denying, allowing, byName]) await app?.close();
    await s3Relay?.stop();
    await azureRelay?.stop();
    await s3?.stop();
    await azure?.stop();
  });

  it('refuses an address outside the list to an administrator too, when saving and testing; nothing is contacted', async () => {
    for (const body of [s3Settings(), azureSettings(), s3Settings('localhost'), azureSettings('localhost')]) {
      for (const path of ['/api/storage/test?feed=one', '/api/storage?feed=one']) {
        const res = await call(denying, denying.adminAuth, 'POST', path, body);
        expect([path, res.status]).toEqual([path, 403]);
        expect(message(res)).toMatch(/is not allowed by STOCKROOM_OUTBOUND_ALLOW/);
      }
    }
    // Settings the SDK cannot turn into an address are a 400, not a server error.
    const slash = { ...s3Settings(), properties: { ...s3Settings().properties, BucketName: 'a/b' } };
    const bad = await call(denying, denying.adminAuth, 'POST', '/api/storage?feed=one', slash);
    expect([bad.status, message(bad)]).toEqual([400, expect.stringMatching(/^These s3 settings cannot be used/)]);
    expect([s3Relay.connections, azureRelay.connections]).toEqual([0, 0]);
  });

  it('checks the address each connection really uses: saved settings outside the list fail when used', async () => {
    const managerAuth = await manager(denying, 'manager', ['two']);
    for (const settings of [s3Settings(), azureSettings()]) {
      await forceStorage(denying, 'two', settings);
      const admin = await must(call(denying, denying.adminAuth, 'POST', '/api/storage/test?feed=two', {}), 200);
      expect(failedStep(admin)).toMatchObject({ step: 'connect', ok: false });
      expect(failedStep(admin)?.message).toMatch(/"127\.0\.0\.1" is not allowed by STOCKROOM_OUTBOUND_ALLOW/);
      const theirs = await must(call(denying, managerAuth, 'POST', '/api/storage/test?feed=two', {}), 200);
      expect(failedStep(theirs)?.message).toBe(
        'Could not connect to the storage: its address is not allowed by STOCKROOM_OUTBOUND_ALLOW.',
      );
      const upload = await raw(denying, 'POST', '/endpoints/two/content/a.txt', { body: 'a' });
      expect(upload.status).toBeGreaterThanOrEqual(500);
    }
    expect([s3Relay.connections, azureRelay.connections]).toEqual([0, 0]);
  });

  it('allows what it lists: s3rver and Azurite on 127.0.0.1 pass the test and keep files', async () => {
    for (const [settings, relay] of [
      [s3Settings(), s3Relay],
      [azureSettings(), azureRelay],
    ] as const) {
      const feed = settings.id === 's3' ? 'one' : 'two';
      const before = relay.connections;
      const res = await must(
        call(allowing, allowing.adminAuth, 'POST', `/api/storage/test?feed=${feed}`, settings),
        200,
      );
      expect(JSON.parse(res.text)).toMatchObject({ ok: true });
      expect(relay.connections).toBeGreaterThan(before);
      await must(call(allowing, allowing.adminAuth, 'POST', `/api/storage?feed=${feed}`, settings), 200);
      const body = `kept in ${settings.id}`;
      expect((await raw(allowing, 'POST', `/endpoints/${feed}/content/${settings.id}.txt`, { body })).status).toBe(201);
      expect((await raw(allowing, 'GET', `/endpoints/${feed}/content/${settings.id}.txt`)).text).toBe(body);
    }
    // A name not listed is judged by the address it resolves to: localhost is 127.0.0.1 here.
    const viaName = await must(
      call(allowing, allowing.adminAuth, 'POST', '/api/storage/test?feed=two', s3Settings('localhost')),
      200,
    );
    expect(JSON.parse(viaName.text)).toMatchObject({ ok: true });
  });

  it('a listed host name is allowed whatever it resolves to; its address alone is not', async () => {
    const res = await must(
      call(byName, byName.adminAuth, 'POST', '/api/storage/test?feed=one', s3Settings('localhost')),
      200,
    );
    expect(JSON.parse(res.text)).toMatchObject({ ok: true });
    const literal = await call(byName, byName.adminAuth, 'POST', '/api/storage/test?feed=one', s3Settings());
    expect(literal.status).toBe(403);
    expect(message(literal)).toMatch(/"127\.0\.0\.1" is not allowed by STOCKROOM_OUTBOUND_ALLOW/);
  });

  it('follows no redirect, even to an allowed address', async () => {
    const target = await new CaptureServer().start();
    const redirecting = await new CaptureServer((res, url) => {
      res.writeHead(307, { Location: `${target.url}${url}` });
      res.end();
    }).start();
    const sameOrigin = await new CaptureServer((res, url) => {
      if (url.startsWith('/redirected')) res.end();
      else {
        res.writeHead(307, { Location: `/redirected${url}` });
        res.end();
      }
    }).start();
    try {
      for (const server of [redirecting, sameOrigin]) {
        for (const settings of [s3At(server.url, { AccessKey: 'k', SecretAccessKey: 's' }), azureAt(server.url)]) {
          const res = await must(
            call(allowing, allowing.adminAuth, 'POST', '/api/storage/test?feed=two', settings),
            200,
          );
          expect(JSON.parse(res.text)).toMatchObject({ ok: false });
        }
        expect(server.requests.length).toBeGreaterThan(0);
      }
      expect(target.requests).toEqual([]);
      expect(sameOrigin.requests.filter((r) => r.url.startsWith('/redirected'))).toEqual([]);
    } finally {
      await target.stop();
      await redirecting.stop();
      await sameOrigin.stop();
    }
  });

  it('refuses to start with an entry it cannot read', () => {
    expect(() => loadConfig({ STOCKROOM_OUTBOUND_ALLOW: '10.0.0.0/33, *.example.com, not a host' })).toThrow(
      /STOCKROOM_OUTBOUND_ALLOW: "10\.0\.0\.0\/33".*\n.*STOCKROOM_OUTBOUND_ALLOW: "not a host"/,
    );
  });
});
