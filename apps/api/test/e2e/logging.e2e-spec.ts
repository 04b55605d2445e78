import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basicAuth, TestApp } from '../support/test-app';
import { createFeed, eventually } from '../support/fixtures';
import { raw } from '../support/http';
import { startServerProcess, ServerProcess } from '../support/server-process';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/** What a start printed, up to and including the banner (the server then logs nothing until used). */
async function startOutput(server: ServerProcess): Promise<string> {
  await eventually(async () => /={60,}\n\n$/.test(server.output()) || /"event":"ready"/.test(server.output()), 10_000);
  return server.output();
}

describe('logs of a real server (child process)', () => {
  let db: TestDatabase;
  /** The JSON test's own: the Admin user of the first test has a password made up at its start. */
  let jsonDb: TestDatabase;
  let dataDir: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    jsonDb = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'stockroom-logging-'));
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });
  afterAll(async () => {
    await db?.drop();
    await jsonDb?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('text, first start then a later one: quiet, the listening line, and the banner last (password only first)', async () => {
    // No STOCKROOM_ADMIN_PASSWORD: the first start makes one up and shows it.
    server = await startServerProcess({ DATABASE_URL: db.url, STOCKROOM_ADMIN_PASSWORD: '' }, { dataDir });
    const first = await startOutput(server);
    expect(first).not.toMatch(/Mapped \{|RouterExplorer|RoutesResolver|InstanceLoader|successfully started/);
    const listening = /INFO: +\[Stockroom\] Stockroom listening on (http:\/\/127\.0\.0\.1:(\d+))\n/.exec(first);
    expect(listening).not.toBeNull();
    // The banner is the last thing printed, after the listening line.
    const banner = /\n(={60,})\n([\s\S]*)\n\1\n\n$/.exec(first);
    expect(banner).not.toBeNull();
    expect(first.indexOf(listening?.[0] ?? '')).toBeLessThan(first.indexOf(banner?.[0] ?? ''));
    const text = banner?.[2] ?? '';
    expect(text).toContain(`running at ${listening?.[1]}`);
    expect(text).toContain(`Data folder:   ${dataDir}`);
    const password = /Created user "Admin" with password: (\S+)/.exec(text)?.[1] ?? '';
    expect(password).not.toBe('');
    expect(first.split(password)).toHaveLength(2); // printed once, in the banner only
    const me = await raw(server.url, 'GET', '/api/security/me', {
      headers: { Authorization: basicAuth('Admin', password) },
    });
    expect(me.status).toBe(200);
    await server.stop();

    server = await startServerProcess({ DATABASE_URL: db.url, STOCKROOM_ADMIN_PASSWORD: '' }, { dataDir });
    const later = await startOutput(server);
    expect(later).not.toContain(password);
    expect(later).not.toMatch(/with password:/);
    expect(later).toMatch(/Sign in as "Admin" \(or your own user\) with the password printed at\n/);
  }, 180_000);

  it('json with request lines: one object per line, no secrets, aborted uploads are client aborts', async () => {
    server = await startServerProcess({
      DATABASE_URL: jsonDb.url,
      STOCKROOM_LOG_FORMAT: 'json',
      STOCKROOM_LOG_REQUESTS: 'true',
    });
    const s = server;
    await startOutput(s);
    await createFeed(s as unknown as TestApp, 'logs');
    const signedUrlish = '/endpoints/logs/content/a.txt?token=SECRET-TOKEN-123&expires=99';
    expect((await raw(s, 'PUT', '/endpoints/logs/content/a.txt', { body: 'hello' })).status).toBe(201);
    expect((await raw(s.url, 'GET', signedUrlish, { headers: { 'X-ApiKey': 'SECRET-KEY-456' } })).status).toBe(401);

    // An upload cut mid-body.
    await new Promise<void>((done) => {
      const socket = connect({ host: '127.0.0.1', port: s.port });
      socket.on('error', () => done());
      socket.on('connect', () => {
        socket.write(
          `PUT /endpoints/logs/content/cut.bin HTTP/1.1\r\nHost: x\r\nAuthorization: ${s.adminAuth}\r\n` +
            'Content-Length: 50000000\r\n\r\n',
        );
        socket.write(Buffer.alloc(1024 * 1024, 1), () =>
          setTimeout(() => {
            socket.destroy();
            done();
          }, 300),
        );
      });
    });

    const entries = () =>
      s
        .output()
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    await eventually(async () => entries().some((e) => /cut\.bin: aborted by the client/.test(String(e['msg']))));
    const all = entries(); // every line parses as JSON
    expect(all.find((e) => e['event'] === 'ready')).toMatchObject({ level: 'info', adminUser: 'Admin' });
    expect(all.find((e) => /Stockroom listening on http:\/\//.test(String(e['msg'])))).toBeDefined();
    expect(all.find((e) => e['path'] === '/endpoints/logs/content/a.txt' && e['status'] === 401)).toMatchObject({
      method: 'GET',
      msg: expect.stringMatching(/^GET \/endpoints\/logs\/content\/a\.txt 401 \d+ms \d+B$/),
    });
    expect(all.find((e) => /cut\.bin: aborted by the client/.test(String(e['msg'])))).toMatchObject({
      level: 'info',
      context: 'Errors',
    });
    const output = s.output();
    expect(output).not.toMatch(/database (is )?unavailable/i);
    expect(output).not.toMatch(/SECRET-TOKEN-123|SECRET-KEY-456|token=/);
    expect(output).not.toContain(s.adminAuth.slice('Basic '.length));
  }, 120_000);
});
