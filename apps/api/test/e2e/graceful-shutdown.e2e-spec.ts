import { mkdtemp, rm } from 'node:fs/promises';
import { request, IncomingMessage, ClientRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { bytes, createFeed, sha1 } from '../support/fixtures';
import { raw } from '../support/http';
import { startServerProcess, ServerProcess } from '../support/server-process';
import { TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/** Far more than the loopback socket buffers hold: the download stays in flight while unread. */
const SIZE = 48 * 1024 * 1024;

/** A GET whose body is not read until `resume()`: a slow client holding a download open. */
function pausedDownload(server: ServerProcess, path: string) {
  let req!: ClientRequest;
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req = request(
      { host: '127.0.0.1', port: server.port, path, headers: { Authorization: server.adminAuth } },
      (res) => {
        res.pause();
        resolve(res);
      },
    );
    req.on('error', reject);
    req.end();
  });
  /** Reads the rest; resolves with the body and whether it ended properly (false: the connection was cut). */
  const read = async (): Promise<{ body: Buffer; complete: boolean }> => {
    const res = await response;
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let done = false;
      const finish = (complete: boolean) => {
        if (done) return;
        done = true;
        resolve({ body: Buffer.concat(chunks), complete });
      };
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish(res.complete));
      res.on('error', () => finish(false));
      res.on('close', () => finish(res.complete && res.readableEnded));
      res.resume();
    });
  };
  return { response, read, request: () => req };
}

/** True once a new TCP connection to the port is refused (polls: the server closes asynchronously). */
async function refusedWithin(port: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
    });
    if (refused) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function downloadCount(db: TestDatabase, path: string): Promise<number> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ download_count: string }>(
      'SELECT download_count FROM asset_items WHERE path = $1',
      [path],
    );
    return Number(rows[0]?.download_count ?? -1);
  } finally {
    await client.end();
  }
}

describe('graceful shutdown on SIGTERM (child-process server)', () => {
  let db: TestDatabase;
  /** Shared by both servers: the second serves the file the first stored (disk storage lives here). */
  let dataDir: string;
  let server: ServerProcess | undefined;
  const content = bytes(SIZE);

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'stockroom-shutdown-'));
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });
  afterAll(async () => {
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const start = async (shutdownSeconds: number, env: Record<string, string> = {}) => {
    server = await startServerProcess(
      { DATABASE_URL: db.url, STOCKROOM_SHUTDOWN_SECONDS: String(shutdownSeconds), ...env },
      { dataDir },
    );
    return server;
  };

  it('refuses new connections, finishes the download in flight, flushes its count, and exits 0 in time', async () => {
    const s = await start(10);
    await createFeed(s as unknown as TestApp, 'files');
    expect((await raw(s, 'PUT', '/endpoints/files/content/big.bin', { body: content })).status).toBe(201);
    expect((await raw(s, 'PUT', '/endpoints/files/content/small.txt', { body: 'small' })).status).toBe(201);
    expect(await downloadCount(db, 'big.bin')).toBe(0);

    const download = pausedDownload(s, '/endpoints/files/content/big.bin');
    expect((await download.response).statusCode).toBe(200);
    const mark = s.output().length;
    const signalled = Date.now();
    process.kill(s.pid, 'SIGTERM');

    // While the download is still unread, a new connection is refused…
    expect(await refusedWithin(s.port, 5000)).toBe(true);
    // …then the slow client reads on and gets every byte.
    const { body, complete } = await download.read();
    expect(complete).toBe(true);
    expect(body.length).toBe(SIZE);
    expect(sha1(body)).toBe(sha1(content));

    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(10_000);
    const said = s.output().slice(mark);
    expect(said).toMatch(/SIGTERM: shutting down/);
    expect(said).toMatch(/waiting up to 10 s for 1 request\(s\) in flight/);
    expect(said).toMatch(/Stopped/);
    expect(said).not.toMatch(/still running after/);
    // The download finished during the drain: its count reached the database before the exit.
    expect(await downloadCount(db, 'big.bin')).toBe(1);
  }, 120_000);

  it('cuts a request still running at the deadline, and still exits 0', async () => {
    const s = await start(1, { STOCKROOM_LOG_REQUESTS: 'true' });
    // Counted in memory just now: only the flush at shutdown can write it (the periodic one runs
    // once a second, and stops when the shutdown starts).
    expect((await raw(s, 'GET', '/endpoints/files/content/small.txt')).text).toBe('small');
    const download = pausedDownload(s, '/endpoints/files/content/big.bin');
    expect((await download.response).statusCode).toBe(200);
    const mark = s.output().length;
    const signalled = Date.now();
    process.kill(s.pid, 'SIGTERM');

    expect(await s.exited).toEqual({ code: 0, signal: null });
    // One second of drain, then the rest of the shutdown: well under the 5 s after which stop() would SIGKILL.
    expect(Date.now() - signalled).toBeLessThan(5000);
    expect(s.output().slice(mark)).toMatch(/1 request\(s\) still running after 1 s: closing their connections/);
    // The request line says who cut it: the server, not the client.
    expect(s.output().slice(mark)).toMatch(
      /GET \/endpoints\/files\/content\/big\.bin 200 \d+ms \d+B \(cut at the shutdown deadline\)/,
    );
    expect(s.output().slice(mark)).not.toMatch(/aborted by the client/);
    const { body, complete } = await download.read();
    expect(complete).toBe(false);
    expect(body.length).toBeLessThan(SIZE);
    // A download counts from its first byte (send-stored-object): this one too, flushed at shutdown.
    expect(await downloadCount(db, 'big.bin')).toBe(2);
    expect(await downloadCount(db, 'small.txt')).toBe(1);
  }, 120_000);

  it('with the embedded PostgreSQL: the database outlives the drain, then stops, and the exit is 0', async () => {
    // Its own data dir: a server of its own with the embedded PostgreSQL under it.
    const own = await mkdtemp(join(tmpdir(), 'stockroom-shutdown-embedded-'));
    try {
      const s = await startServerProcess(
        { DATABASE_URL: '', STOCKROOM_SHUTDOWN_SECONDS: '20' },
        { dataDir: own, timeoutMs: 120_000 },
      );
      server = s;
      await createFeed(s as unknown as TestApp, 'files');
      expect((await raw(s, 'PUT', '/endpoints/files/content/big.bin', { body: content })).status).toBe(201);
      const download = pausedDownload(s, '/endpoints/files/content/big.bin');
      expect((await download.response).statusCode).toBe(200);
      const mark = s.output().length;
      process.kill(s.pid, 'SIGTERM');
      expect(await refusedWithin(s.port, 5000)).toBe(true);
      // Longer than the embedded PostgreSQL takes to stop: had it stopped on the signal, the process
      // would be gone (exit 143) and the download cut.
      await new Promise((r) => setTimeout(r, 3000));
      const { body, complete } = await download.read();
      expect(complete).toBe(true);
      expect(sha1(body)).toBe(sha1(content));
      expect(await s.exited).toEqual({ code: 0, signal: null });
      expect(s.output().slice(mark)).toMatch(/Stopped/);
    } finally {
      await server?.stop();
      server = undefined;
      await rm(own, { recursive: true, force: true });
    }
  }, 180_000);
});
