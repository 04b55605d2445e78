import { isProcessRunning } from '@stockroom/storage';
import { readFile } from 'node:fs/promises';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { eventually } from '../support/fixtures';
import { raw, RawResponse } from '../support/http';
import { holdNotifications, pidsServing } from '../support/cluster-logs';
import { ServerProcess, startServerProcess } from '../support/server-process';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { basicAuth } from '../support/test-app';

/**
 * One server, several worker processes (STOCKROOM_WORKERS=2, node cluster) sharing one port:
 * requests spread over the workers, a change made through one worker is seen by the other before
 * the writer's answer returns, /metrics adds up every worker's counts, a killed worker is replaced,
 * SIGTERM stops everything (the embedded PostgreSQL included) with exit 0.
 *
 * Which worker answered is read from the request log lines (JSON, with the worker's pid); every
 * request goes on a new connection (`Connection: close`), which cluster hands to the workers in turn.
 */

/** The pids of the worker processes (the primary's children that run node). */
async function workerPids(server: ServerProcess): Promise<number[]> {
  const text = await readFile(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8').catch(() => '');
  const pids = text.split(/\s+/).filter(Boolean).map(Number);
  const node: number[] = [];
  for (const pid of pids) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0')[0] === process.execPath) node.push(pid);
  }
  return node.sort();
}

/** A request on a connection of its own. */
function fresh(
  server: ServerProcess,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return raw(server, method, path, { ...options, headers: { ...options.headers, Connection: 'close' } });
}

const json = { 'Content-Type': 'application/json' };

describe('a server of two workers on one port', () => {
  let db: TestDatabase;
  let server: ServerProcess;

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
    const created = await raw(server, 'POST', '/api/management/feeds/create', {
      headers: json,
      body: JSON.stringify({ name: 'shared', feedType: 'asset' }),
    });
    expect(created.status).toBe(200);
    expect((await raw(server, 'POST', '/endpoints/shared/content/k.txt', { body: 'kept' })).status).toBe(201);
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('prints one listening line, and both workers answer on that port', async () => {
    expect(server.output().match(/Stockroom listening on/g)).toHaveLength(1);
    const pids = await workerPids(server);
    expect(pids).toHaveLength(2);
    for (let i = 0; i < 10; i++) {
      expect((await fresh(server, 'GET', '/endpoints/shared/dir/?probe')).status).toBe(200);
    }
    expect([...pidsServing(server, '/endpoints/shared/dir/', 200)].sort()).toEqual(pids);
  });

  it('an overwrite through one worker is what the other serves as soon as the writer has its answer', async () => {
    for (let round = 0; round < 6; round++) {
      const body = `version ${round}`;
      const put = await fresh(server, 'POST', '/endpoints/shared/content/v.txt', { body });
      expect(put.status).toBe(201);
      for (let i = 0; i < 4; i++) {
        const got = await fresh(server, 'GET', '/endpoints/shared/content/v.txt');
        expect([got.status, got.text]).toEqual([200, body]);
      }
    }
    expect(pidsServing(server, '/endpoints/shared/content/v.txt', 200).size).toBe(2);
  });

  it('a key revoked through one worker is refused by the other as soon as the writer has its answer', async () => {
    for (let round = 0; round < 4; round++) {
      const created = await fresh(server, 'POST', '/api/api-keys/create', {
        headers: json,
        body: JSON.stringify({ type: 'Feed', feed: 'shared', packagePermissions: ['view'] }),
      });
      expect(created.status).toBe(200);
      const { id, key } = JSON.parse(created.text) as { id: number; key: string };
      const read = () => fresh(server, 'GET', '/endpoints/shared/content/k.txt', { headers: { 'X-ApiKey': key } });
      // Both workers now hold the key in their caches.
      for (let i = 0; i < 4; i++) expect((await read()).status).toBe(200);
      const notifications = await holdNotifications(db);
      try {
        if (round === 0) console.log(`LISTEN sessions held back: ${notifications.held}`);
        expect((await fresh(server, 'POST', `/api/api-keys/delete?id=${id}`)).status).toBe(200);
        for (let i = 0; i < 6; i++) expect((await read()).status).toBe(401);
      } finally {
        notifications.resume();
      }
    }
    expect(pidsServing(server, '/endpoints/shared/content/k.txt', 401).size).toBe(2);
  });

  it('/metrics adds up the requests every worker served', async () => {
    const count = async () => {
      const res = await fresh(server, 'GET', '/metrics');
      expect(res.status).toBe(200);
      const line = res.text
        .split('\n')
        .find((l) => l.startsWith('stockroom_http_requests_total{') && l.includes('status_code="404"'));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = await count();
    for (let i = 0; i < 10; i++) {
      expect((await fresh(server, 'GET', '/endpoints/shared/content/missing.txt')).status).toBe(404);
    }
    expect(pidsServing(server, '/endpoints/shared/content/missing.txt', 404).size).toBe(2);
    expect((await count()) - before).toBe(10);
  });

  it('replaces a worker killed with SIGKILL, and keeps answering meanwhile', async () => {
    const [victim, survivor] = await workerPids(server);
    process.kill(victim, 'SIGKILL');
    // The primary has noticed (its message): from then on the survivor takes every connection.
    await eventually(async () => server.output().includes(`Worker ${victim} was killed (SIGKILL)`), 30_000);
    for (let i = 0; i < 6; i++)
      expect((await fresh(server, 'GET', '/endpoints/shared/content/k.txt')).status).toBe(200);
    await eventually(async () => {
      const pids = await workerPids(server);
      return pids.length === 2 && !pids.includes(victim) && pids.includes(survivor);
    }, 30_000);
    const [replacement] = (await workerPids(server)).filter((p) => p !== survivor);
    await eventually(async () => server.output().includes(`Worker ${replacement} listens`), 180_000);
    for (let i = 0; i < 6; i++)
      expect((await fresh(server, 'GET', '/endpoints/shared/content/k.txt')).status).toBe(200);
    expect(pidsServing(server, '/endpoints/shared/content/k.txt', 200).has(replacement)).toBe(true);
  }, 240_000);

  it('SIGTERM: the workers drain and stop, the server exits 0 and leaves no process behind', async () => {
    const pids = await workerPids(server);
    expect(pids).toHaveLength(2);
    await server.stop();
    expect(await server.exited).toEqual({ code: 0, signal: null });
    for (const pid of pids) expect([pid, isProcessRunning(pid)]).toEqual([pid, false]);
  }, 60_000);
});

describe('two workers on the embedded PostgreSQL', () => {
  let server: ServerProcess | undefined;

  afterAll(async () => {
    await server?.stop();
  });

  it('starts the database once, prints the Admin password once, and stops it all on SIGTERM', async () => {
    server = await startServerProcess(
      { DATABASE_URL: '', STOCKROOM_WORKERS: '2', STOCKROOM_ADMIN_PASSWORD: '' },
      { timeoutMs: 240_000 },
    );
    const output = server.output();
    expect(output.match(/Stockroom listening on/g)).toHaveLength(1);
    expect(output.match(/Initialising the embedded PostgreSQL/g)).toHaveLength(1);
    const created = output.match(/Created user "Admin" with password: (\S+)/g) ?? [];
    expect(created).toHaveLength(1);
    const password = /Created user "Admin" with password: (\S+)/.exec(output)?.[1] as string;
    const workers = await workerPids(server);
    expect(workers).toHaveLength(2);
    // The password works, whichever worker answers.
    for (let i = 0; i < 4; i++) {
      const res = await fresh(server, 'GET', '/api/management/feeds/list', {
        headers: { Authorization: basicAuth('Admin', password) },
      });
      expect(res.status).toBe(200);
    }
    const postgresPid = Number(
      (await readFile(join(server.dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    expect(isProcessRunning(postgresPid)).toBe(true);

    await server.stop();
    expect(await server.exited).toEqual({ code: 0, signal: null });
    for (const pid of [...workers, postgresPid]) expect([pid, isProcessRunning(pid)]).toEqual([pid, false]);
    expect(server.output()).toMatch(/Stopped/);
  }, 300_000);
});

describe('workers that cannot start', () => {
  it('stop the server with a clear message instead of being started again forever', async () => {
    // The port is taken: every worker's listen fails.
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const { port } = blocker.address() as AddressInfo;
    const db = await createTestDatabase();
    try {
      const failure = await startServerProcess(
        { DATABASE_URL: db.url, STOCKROOM_WORKERS: '2', PORT: String(port) },
        { timeoutMs: 240_000 },
      ).then(
        () => new Error('the server started'),
        (e: Error) => e,
      );
      expect(failure.message).toContain('exited before it was listening');
      expect(failure.message).toMatch(/EADDRINUSE|address already in use/i);
      expect(failure.message).toMatch(/3 workers in a row failed to start .*Stopping the server/);
    } finally {
      blocker.close();
      await db.drop();
    }
  }, 300_000);
});
