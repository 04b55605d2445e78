import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { Client } from 'pg';
import { eventually } from '../support/fixtures';
import { raw } from '../support/http';
import { holdNotifications, pidsServing } from '../support/cluster-logs';
import { ServerProcess, startServerProcess } from '../support/server-process';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * Two workers (STOCKROOM_WORKERS=2), each caching directories, keys and download lookups: a change
 * made through one worker is what the other serves as soon as the writer has its answer — with the
 * database's change notifications held back, so that only the workers' own invalidation (relayed by
 * the cluster primary, acknowledged before the writer answers) can make it visible.
 *
 * Each side talks to its worker over one keep-alive connection: cluster hands a connection to one
 * worker for its whole life. Which worker that is comes from the request log (JSON lines with the
 * worker's pid), and every request checks that it went over that same connection.
 */

/** One keep-alive connection to the server, and so to the one worker that accepted it. */
class WorkerConnection {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private socket?: Socket;
  pid?: number;

  constructor(private readonly server: ServerProcess) {}

  send(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: string; anonymous?: boolean } = {},
  ): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
    const { hostname, port } = new URL(this.server.url);
    const own = Object.keys(options.headers ?? {}).some((h) => /^(authorization|x-apikey)$/i.test(h));
    const headers =
      own || options.anonymous ? options.headers : { ...options.headers, Authorization: this.server.adminAuth };
    return new Promise((resolve, reject) => {
      const req = request({ host: hostname, port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
        res.on('error', reject);
      });
      req.on('socket', (socket: Socket) => {
        if (this.socket && socket !== this.socket) {
          req.destroy(new Error('the connection to the worker was replaced: a request went to another worker'));
        }
        this.socket = socket;
      });
      req.on('error', reject);
      req.end(options.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The worker that logged a request line for `path` (the first, if several did). */
const firstPid = (server: ServerProcess, path: string): number | undefined => [...pidsServing(server, path)][0];

describe('two workers: a change through one is served by the other before the writer has its answer', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  /** The writer's and the reader's connections, to different workers. */
  let writer: WorkerConnection;
  let reader: WorkerConnection;
  const opened: WorkerConnection[] = [];
  let probes = 0;

  const connect = async (): Promise<WorkerConnection> => {
    const connection = new WorkerConnection(server);
    opened.push(connection);
    const probe = `/endpoints/shared/content/probe-${++probes}.txt`;
    expect((await connection.send('GET', probe)).status).toBe(404);
    await eventually(async () => firstPid(server, probe) !== undefined);
    connection.pid = firstPid(server, probe);
    return connection;
  };

  const withNotificationsHeld = async (work: () => Promise<void>) => {
    const notifications = await holdNotifications(db);
    try {
      // Resumed whatever happens: a stopped backend left behind would hold up the whole database server.
      expect(notifications.held).toBe(2); // one cache LISTEN session per worker
      await work();
    } finally {
      notifications.resume();
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startServerProcess(
      {
        DATABASE_URL: db.url,
        STOCKROOM_WORKERS: '2',
        STOCKROOM_LOG_FORMAT: 'json',
        STOCKROOM_LOG_REQUESTS: 'true',
      },
      { timeoutMs: 180_000 },
    );
    writer = await connect();
    const created = await writer.send('POST', '/api/management/feeds/create', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'shared', feedType: 'asset' }),
    });
    expect(created.status).toBe(200);
    for (let tries = 0; tries < 10 && (!reader || reader.pid === writer.pid); tries++) reader = await connect();
    expect(writer.pid).toBeDefined();
    expect(reader.pid).toBeDefined();
    expect(reader.pid).not.toBe(writer.pid);
  }, 240_000);

  afterAll(async () => {
    for (const connection of opened) connection.close();
    await server?.stop();
    await db?.drop();
  });

  it('an upload, then overwrites: the other worker serves the new bytes at once', async () => {
    await withNotificationsHeld(async () => {
      // The reader's worker has looked the file up (missing, then each version) before each write.
      expect((await reader.send('GET', '/endpoints/shared/content/v.txt')).status).toBe(404);
      let previous: string | undefined;
      for (let round = 0; round < 5; round++) {
        const body = `version ${round}`;
        if (previous)
          expect(await reader.send('GET', '/endpoints/shared/content/v.txt')).toMatchObject({ text: previous });
        const put = await writer.send('POST', '/endpoints/shared/content/v.txt', { body });
        expect(put.status).toBe(201);
        const got = await reader.send('GET', '/endpoints/shared/content/v.txt');
        expect([got.status, got.text]).toEqual([200, body]);
        previous = body;
      }
    });
  });

  it('a deleted file, and a folder deleted with its files: 404 on the other worker at once', async () => {
    for (const path of ['d.txt', 'f/g/x.txt']) {
      expect((await writer.send('POST', `/endpoints/shared/content/${path}`, { body: path })).status).toBe(201);
    }
    await withNotificationsHeld(async () => {
      for (const path of ['d.txt', 'f/g/x.txt']) {
        expect((await reader.send('GET', `/endpoints/shared/content/${path}`)).text).toBe(path);
      }
      expect((await writer.send('DELETE', '/endpoints/shared/content/d.txt')).status).toBe(200);
      expect((await reader.send('GET', '/endpoints/shared/content/d.txt')).status).toBe(404);
      expect((await writer.send('POST', '/endpoints/shared/delete/f?recursive=true')).status).toBe(200);
      expect((await reader.send('GET', '/endpoints/shared/content/f/g/x.txt')).status).toBe(404);
    });
  });

  it("a folder's cache setting applies to the files below it on the other worker at once", async () => {
    expect((await writer.send('POST', '/endpoints/shared/content/c/d/e.txt', { body: 'e' })).status).toBe(201);
    await withNotificationsHeld(async () => {
      const before = await reader.send('GET', '/endpoints/shared/content/c/d/e.txt');
      expect([before.status, before.headers['cache-control']]).toEqual([200, 'public']);
      const set = await writer.send('POST', '/endpoints/shared/metadata/c', {
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ cacheHeader: { type: 'TTL', value: 123 } }),
      });
      expect(set.status).toBe(200);
      const after = await reader.send('GET', '/endpoints/shared/content/c/d/e.txt');
      expect([after.status, after.headers['cache-control']]).toEqual([200, 'public, max-age=123']);
    });
  });

  it('a revoked API key: 401 on the other worker at once', async () => {
    expect((await writer.send('POST', '/endpoints/shared/content/k.txt', { body: 'kept' })).status).toBe(201);
    const created = await writer.send('POST', '/api/api-keys/create', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'Feed', feed: 'shared', packagePermissions: ['view'] }),
    });
    expect(created.status).toBe(200);
    const { id, key } = JSON.parse(created.text) as { id: number; key: string };
    const read = () => reader.send('GET', '/endpoints/shared/content/k.txt', { headers: { 'X-ApiKey': key } });
    await withNotificationsHeld(async () => {
      expect((await read()).status).toBe(200);
      expect((await read()).status).toBe(200);
      expect((await writer.send('POST', `/api/api-keys/delete?id=${id}`)).status).toBe(200);
      expect((await read()).status).toBe(401);
    });
  });

  it("a failed console sign-in leaves the workers' caches as they are; a management write clears them", async () => {
    expect((await writer.send('POST', '/endpoints/shared/content/s.txt', { body: 'kept' })).status).toBe(201);
    const created = await writer.send('POST', '/api/api-keys/create', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'Feed', feed: 'shared', packagePermissions: ['view'] }),
    });
    const { id, key } = JSON.parse(created.text) as { id: number; key: string };
    const read = async () =>
      (await reader.send('GET', '/endpoints/shared/content/s.txt', { headers: { 'X-ApiKey': key } })).status;
    const signIn = (password: string) =>
      writer.send('POST', '/api/security/login', {
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ userName: 'Admin', password }),
        anonymous: true,
      });
    await withNotificationsHeld(async () => {
      expect([await read(), await read()]).toEqual([200, 200]); // the key is cached by the reader's worker
      // Revoked behind the server's back: only a cleared cache can show it.
      const client = new Client({ connectionString: db.url });
      await client.connect();
      await client.query('DELETE FROM api_keys WHERE id = $1', [id]).finally(() => client.end());
      expect((await signIn('not-the-password')).status).toBe(401);
      expect(await read()).toBe(200);
      // Any other management write clears every worker's caches: the test can see a clearing.
      expect((await signIn('not-the-password-either')).status).toBe(401);
      const folder = await writer.send('POST', '/api/management/feeds/create', {
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'cleared', feedType: 'asset' }),
      });
      expect(folder.status).toBe(200);
      expect(await read()).toBe(401);
    });
  });

  it('another node on the same database sees an overwrite and a revoked key within a second', async () => {
    // The same data directory: the nodes share the stored files, as they would share a volume.
    const other = await startServerProcess({ DATABASE_URL: db.url }, { timeoutMs: 180_000, dataDir: server.dataDir });
    try {
      const file = '/endpoints/shared/content/n.txt';
      expect((await writer.send('POST', file, { body: 'one' })).status).toBe(201);
      for (let i = 0; i < 2; i++) expect((await raw(other, 'GET', file)).text).toBe('one'); // now cached there
      expect((await writer.send('POST', file, { body: 'two' })).status).toBe(201);
      await eventually(async () => (await raw(other, 'GET', file)).text === 'two', 1000);

      const created = await writer.send('POST', '/api/api-keys/create', {
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'Feed', feed: 'shared', packagePermissions: ['view'] }),
      });
      const { id, key } = JSON.parse(created.text) as { id: number; key: string };
      const read = async () => (await raw(other.url, 'GET', file, { headers: { 'X-ApiKey': key } })).status;
      expect([await read(), await read()]).toEqual([200, 200]);
      expect((await writer.send('POST', `/api/api-keys/delete?id=${id}`)).status).toBe(200);
      await eventually(async () => (await read()) === 401, 1000);
    } finally {
      await other.stop();
    }
  }, 240_000);

  it('every request of each side went to its own worker', async () => {
    // The log lines of the last requests, written after their answers.
    const marker = `/endpoints/shared/content/probe-end-${Date.now()}.txt`;
    expect((await reader.send('GET', marker)).status).toBe(404);
    await eventually(async () => firstPid(server, marker) !== undefined);
    expect(firstPid(server, marker)).toBe(reader.pid);
  });
});
