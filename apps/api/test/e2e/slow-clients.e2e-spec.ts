import { Agent, request as httpRequest } from 'node:http';
import { connect, Socket } from 'node:net';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { bytes, createFeed, eventually } from '../support/fixtures';
import { raw } from '../support/http';
import { startServerProcess, ServerProcess } from '../support/server-process';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/** What a raw socket saw: everything the server sent, and whether (and how) the server ended it. */
interface SocketOutcome {
  received: string;
  /** The server ended or reset the connection (as opposed to still holding it open). */
  closedByServer: boolean;
}

/**
 * Opens a TCP connection, sends `head` (request line and headers), then dribbles one body byte
 * every `dribbleMs` for at most `maxDribbles` times; resolves when the server closes the
 * connection or when `giveUpMs` has passed (then the client closes it and says so).
 */
function slowRequest(
  port: number,
  head: string,
  opts: { localAddress?: string; dribbleMs?: number; maxDribbles?: number; giveUpMs: number; body?: string },
): Promise<SocketOutcome> {
  return new Promise((resolve) => {
    let received = '';
    let done = false;
    const timers: NodeJS.Timeout[] = [];
    const socket: Socket = connect({ host: '127.0.0.1', port, localAddress: opts.localAddress });
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      timers.forEach(clearTimeout);
      socket.destroy();
      resolve({ received, closedByServer });
    };
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (received += d));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', () => {
      socket.write(head + (opts.body ?? ''));
      let sent = 0;
      const drip = () => {
        if (done || sent >= (opts.maxDribbles ?? 0)) return;
        sent++;
        socket.write('x');
        timers.push(setTimeout(drip, opts.dribbleMs ?? 1000));
      };
      if (opts.maxDribbles) timers.push(setTimeout(drip, opts.dribbleMs ?? 1000));
    });
    timers.push(setTimeout(() => finish(false), opts.giveUpMs));
  });
}

const HUGE_POST = (path: string, extra = '') =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000000\r\n${extra}\r\n`;

function statusOf(received: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name));
}

describe('early answers close the connection; idle bodies end', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ STOCKROOM_BODY_IDLE_SECONDS: '2' });
    await createFeed(t, 'files');
  });
  afterAll(() => t.close());

  it('a 401 to an unauthenticated upload of 100 MB says Connection: close and the server ends the socket, body unsent', async () => {
    const outcome = await slowRequest(t.port, HUGE_POST('/endpoints/files/content/big.bin'), { giveUpMs: 15_000 });
    expect(statusOf(outcome.received)).toBe(401);
    expect(outcome.received).toMatch(/\r\nConnection: close\r\n/i);
    expect(outcome.closedByServer).toBe(true);
  });

  it('a 413 (and a 404) before the body is read close the connection too', async () => {
    const tooBig = await slowRequest(t.port, HUGE_POST('/api/security/login'), { giveUpMs: 15_000 });
    expect(statusOf(tooBig.received)).toBe(413);
    expect(tooBig.closedByServer).toBe(true);
    const auth = `Authorization: ${t.adminAuth}\r\n`;
    const missing = await slowRequest(t.port, HUGE_POST('/endpoints/no-such-dir/content/x.bin', auth), {
      giveUpMs: 15_000,
    });
    expect(statusOf(missing.received)).toBe(404);
    expect(missing.received).toMatch(/\r\nConnection: close\r\n/i);
    expect(missing.closedByServer).toBe(true);
  });

  it('keep-alive is unaffected for requests whose body was read (uploads, sign-in)', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, path: string, body?: Buffer) =>
      new Promise<{ status: number; connection?: string; reused: boolean }>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port: t.port, method, path, agent, headers: { Authorization: t.adminAuth } },
          (res) => {
            res.resume();
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, reused: req.reusedSocket }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    try {
      const first = await send('POST', '/endpoints/files/content/keep.bin', bytes(200_000));
      expect(first).toMatchObject({ status: 201, connection: 'keep-alive' });
      const second = await send('GET', '/endpoints/files/content/keep.bin');
      expect(second).toMatchObject({ status: 200, connection: 'keep-alive', reused: true });
    } finally {
      agent.destroy();
    }
  });

  it('an upload whose body goes silent is aborted after STOCKROOM_BODY_IDLE_SECONDS and stores nothing', async () => {
    const before = await filesUnder(t.config.dataDir);
    const head =
      `PUT /endpoints/files/content/idle.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${t.adminAuth}\r\n` +
      'Content-Length: 1000000\r\n\r\n';
    // 1,000 of the announced 1,000,000 bytes, then silence.
    const outcome = await slowRequest(t.port, head, { body: 'y'.repeat(1000), giveUpMs: 20_000 });
    expect(outcome.closedByServer).toBe(true);
    expect(outcome.received).toBe(''); // no answer: the connection is simply cut
    expect((await raw(t, 'GET', '/endpoints/files/content/idle.bin')).status).toBe(404);
    await eventually(async () => (await filesUnder(t.config.dataDir)).length === before.length);
  });

  it('a large upload that keeps sending is not cut by the idle timeout', async () => {
    // 3 MB in 64 KiB pieces, each a moment apart: slow overall, never idle for 2 s.
    const pieces = 48;
    const body = async function* () {
      for (let i = 0; i < pieces; i++) {
        await new Promise((r) => setTimeout(r, 100));
        yield Buffer.alloc(64 * 1024, i);
      }
    };
    const { Readable } = await import('node:stream');
    const res = await raw(t, 'PUT', '/endpoints/files/content/steady.bin', {
      headers: { 'Content-Length': pieces * 64 * 1024 },
      body: Readable.from(body()),
    });
    expect(res.status).toBe(201);
    const back = await raw(t, 'GET', '/endpoints/files/content/steady.bin');
    expect(back.body.length).toBe(pieces * 64 * 1024);
  });
});

describe('a flood of slow unauthenticated uploads from one address (child-process server)', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  const CAP = 40;
  const FLOOD = 2000;
  const data = bytes(300_000);

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startServerProcess({ DATABASE_URL: db.url, STOCKROOM_MAX_CONNECTIONS_PER_ADDRESS: String(CAP) });
    const created = await raw(server, 'POST', '/api/management/feeds/create', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'files', feedType: 'asset' }),
    });
    expect(created.status).toBe(200);
    expect((await raw(server, 'PUT', '/endpoints/files/content/a.bin', { body: data })).status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('refuses connections over the cap, closes every early answer, and keeps serving others', async () => {
    // The attacker: 127.0.0.3. Everyone else: 127.0.0.4 (a peer like any other, not exempt).
    // Half the flood dribbles a 100 MB body after its headers (answered 401 at once), half dribbles
    // its headers (held until the headers timeout): only the cap keeps those from piling up.
    const slowBodies: Promise<SocketOutcome>[] = [];
    const slowHeads: Promise<SocketOutcome>[] = [];
    let stopChecks = false;
    const checks: { health: number; download: number; bytesOk: boolean }[] = [];
    const checker = (async () => {
      while (!stopChecks && checks.length < 200) {
        const health = await raw(server.url, 'GET', '/health', { localAddress: '127.0.0.4' });
        const download = await raw(server, 'GET', '/endpoints/files/content/a.bin', { localAddress: '127.0.0.4' });
        checks.push({ health: health.status, download: download.status, bytesOk: download.body.equals(data) });
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const attack = { localAddress: '127.0.0.3', dribbleMs: 1000, maxDribbles: 10, giveUpMs: 15_000 };
    for (let i = 0; i < FLOOD; i++) {
      if (i % 2 === 0)
        slowBodies.push(slowRequest(server.port, HUGE_POST('/endpoints/files/content/flood.bin'), attack));
      else
        slowHeads.push(slowRequest(server.port, 'POST /endpoints/files/content/flood.bin HTTP/1.1\r\nX-A: ', attack));
      // Batches, so the listen backlog is not the thing being measured.
      if (i % 200 === 199) await new Promise((r) => setTimeout(r, 100));
    }
    const bodies = await Promise.all(slowBodies);
    const heads = await Promise.all(slowHeads);
    stopChecks = true;
    await checker;

    // Every slow body was answered 401 (early) or 503 (over the cap), with Connection: close, and
    // the server ended the connection rather than read 100 MB at the client's pace.
    expect(bodies.filter((o) => !o.closedByServer)).toEqual([]);
    expect(bodies.filter((o) => ![401, 503].includes(statusOf(o.received)))).toEqual([]);
    expect(bodies.filter((o) => !/\r\nConnection: close\r\n/i.test(o.received))).toEqual([]);
    // At most CAP slow-header connections were held; the rest were refused with 503.
    expect(heads.filter((o) => !o.closedByServer).length).toBeLessThanOrEqual(CAP);
    expect(heads.filter((o) => statusOf(o.received) === 503).length).toBeGreaterThanOrEqual(FLOOD / 2 - CAP);
    // Others were served all along, with the right bytes.
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.filter((c) => !(c.health === 200 && c.download === 200 && c.bytesOk))).toEqual([]);
    expect((await raw(server.url, 'GET', '/health', { localAddress: '127.0.0.3' })).status).toBe(200);
  }, 120_000);

  it('connections from the server’s own address are exempt from the cap', async () => {
    const held: Socket[] = [];
    try {
      for (let i = 0; i < CAP + 10; i++) {
        const s = connect({ host: '127.0.0.1', port: server.port, localAddress: '127.0.0.1' });
        await new Promise<void>((ok, ko) => s.once('connect', ok).once('error', ko));
        held.push(s);
      }
      expect((await raw(server, 'GET', '/endpoints/files/content/a.bin', { localAddress: '127.0.0.1' })).status).toBe(
        200,
      );
      // The same number from another address: over the cap.
      const other: Socket[] = [];
      for (let i = 0; i < CAP; i++) {
        const s = connect({ host: '127.0.0.1', port: server.port, localAddress: '127.0.0.5' });
        await new Promise<void>((ok, ko) => s.once('connect', ok).once('error', ko));
        other.push(s);
      }
      held.push(...other);
      const refused = await raw(server.url, 'GET', '/health', { localAddress: '127.0.0.5' });
      expect(refused.status).toBe(503);
      expect(refused.headers.connection).toBe('close');
    } finally {
      held.forEach((s) => s.destroy());
    }
  });
});

describe('behind a trusted proxy, requests in flight are capped per forwarded address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ STOCKROOM_TRUST_PROXY: 'true', STOCKROOM_MAX_CONNECTIONS_PER_ADDRESS: '2' });
    await createFeed(t, 'files');
  });
  afterAll(() => t.close());

  it('the address behind the proxy is counted, not the proxy', async () => {
    // Two uploads in flight for 203.0.113.9, through "the proxy" (this test, on 127.0.0.2).
    const head =
      `PUT /endpoints/files/content/slow-N.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${t.adminAuth}\r\n` +
      'X-Forwarded-For: 203.0.113.9\r\nContent-Length: 1000000\r\n\r\n';
    const held = [1, 2].map((n) =>
      slowRequest(t.port, head.replace('slow-N', `slow-${n}`), {
        localAddress: '127.0.0.2',
        body: 'z',
        giveUpMs: 3000,
      }),
    );
    const via = (forwarded: string) =>
      raw(t.url, 'GET', '/health', { headers: { 'X-Forwarded-For': forwarded }, localAddress: '127.0.0.2' });
    await eventually(async () => (await via('203.0.113.9')).status === 503);
    const refused = await via('203.0.113.9');
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBeDefined();
    expect((await via('203.0.113.10')).status).toBe(200);
    for (const o of await Promise.all(held)) expect(o.closedByServer).toBe(false); // still in flight until we let go
    await eventually(async () => (await via('203.0.113.9')).status === 200);
  });
});
