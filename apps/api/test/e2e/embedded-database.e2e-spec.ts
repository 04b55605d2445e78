import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { killOnExit, waitForLine } from '@stockroom/storage/testing';
import { Client } from 'pg';
import { eventually } from '../support/fixtures';
import { raw } from '../support/http';
import { ServerProcess, startServerProcess } from '../support/server-process';

/**
 * The embedded PostgreSQL (no DATABASE_URL) is private to Stockroom (issue 13): random passwords
 * in 0600 files, an application role that is no superuser, old installs converted at start; a
 * `kill -9` of the node leaves nothing that stops the next start; the data folder is private; and
 * a restart removes the temp files a crash left, but not another node's files in flight.
 * Each start of a real embedded PostgreSQL costs seconds: few tests, each doing several checks.
 */
const EMBEDDED = { DATABASE_URL: '' };
const json = { 'Content-Type': 'application/json' };
const HOST = hostname();

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The running embedded server's process and port, from its lock file. */
async function postmaster(dataDir: string): Promise<{ pid: number; port: number }> {
  const lines = (await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n');
  return { pid: Number(lines[0]), port: Number(lines[3]) };
}

/** Signs in to the embedded server; rejects with PostgreSQL's error (code 28P01: bad password). */
async function signIn(port: number, user: string, password: string, database = 'stockroom'): Promise<Client> {
  const client = new Client({ host: '127.0.0.1', port, user, password, database });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
  return client;
}

const appPassword = async (dataDir: string) => (await readFile(join(dataDir, 'postgres-password'), 'utf8')).trim();

/** What the application can do in its database: not be superuser, not run programs, but own it all. */
async function expectPrivate(dataDir: string): Promise<void> {
  const { port } = await postmaster(dataDir);
  for (const user of ['stockroom', 'stockroom_app', 'postgres']) {
    await expect(signIn(port, user, 'stockroom', 'postgres')).rejects.toMatchObject({ code: '28P01' });
  }
  const app = await signIn(port, 'stockroom_app', await appPassword(dataDir));
  try {
    const me = await app.query(
      `SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user`,
    );
    expect(me.rows).toEqual([{ rolsuper: false, rolcreaterole: false, rolcreatedb: false }]);
    await expect(app.query(`COPY (SELECT 1) TO PROGRAM 'true'`)).rejects.toMatchObject({ code: '42501' });
    await expect(app.query(`SELECT pg_read_file('postgresql.conf')`)).rejects.toMatchObject({ code: '42501' });
    const foreign = await app.query(
      `SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public' AND tableowner <> current_user`,
    );
    expect(foreign.rows).toEqual([]);
  } finally {
    await app.end();
  }
}

async function createDirectory(s: ServerProcess, name: string): Promise<void> {
  const res = await raw(s, 'POST', '/api/management/feeds/create', {
    headers: json,
    body: JSON.stringify({ name, feedType: 'asset' }),
  });
  expect(res.status).toBeLessThan(300);
}

async function upload(s: ServerProcess, feed: string, path: string, body: Buffer): Promise<void> {
  const res = await raw(s, 'POST', `/endpoints/${feed}/content/${path}`, { body });
  expect(res.status).toBe(201);
}

async function download(s: ServerProcess, feed: string, path: string): Promise<Buffer> {
  const res = await raw(s, 'GET', `/endpoints/${feed}/content/${path}`);
  expect(res.status).toBe(200);
  return res.body;
}

/** Every stored blob file under the default disk storage (not the provider's dot-folders). */
async function blobFiles(dataDir: string): Promise<string[]> {
  const root = join(dataDir, 'storage');
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !join(e.parentPath, e.name).slice(root.length).includes('/.'))
    .map((e) => join(e.parentPath, e.name));
}

/** The shell that stops a server's PostgreSQL when the server dies. */
async function watchdogOf(postgresPid: number): Promise<number | undefined> {
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const argv = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (argv.includes('stockroom-postgres-watchdog') && argv.split('\0').includes(String(postgresPid))) {
      return Number(name);
    }
  }
  return undefined;
}

describe('the embedded PostgreSQL', () => {
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  const newDataDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stockroom-embedded-'));
    dirs.push(dir);
    return dir;
  };
  const start = async (dataDir: string, env: Record<string, string> = EMBEDDED) => {
    const s = await startServerProcess(env, { dataDir, timeoutMs: 120_000 });
    servers.push(s);
    return s;
  };

  afterAll(async () => {
    for (const s of servers) await s.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('is private, keeps the data folder private, and comes back after kill -9, removing only dead temp files', async () => {
    const dataDir = await newDataDir();
    const first = await start(dataDir);

    // Credentials: random, 0600, the application role is no superuser.
    await expectPrivate(dataDir);
    const superuser = (await readFile(join(dataDir, 'postgres-superuser-password'), 'utf8')).trim();
    expect(superuser).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await appPassword(dataDir)).not.toBe(superuser);
    expect(first.output()).not.toContain(superuser);
    expect(first.output()).not.toContain(await appPassword(dataDir));

    // Modes: the folder passable (root: PostgreSQL runs as its own user), everything else private.
    const content = randomBytes(4096);
    await createDirectory(first, 'private');
    await upload(first, 'private', 'a.bin', content);
    const expectedDataMode = process.getuid?.() === 0 ? 0o711 : 0o700;
    expect((await modeOf(dataDir)).toString(8)).toBe(expectedDataMode.toString(8));
    for (const folder of ['postgres', 'storage', 'tmp']) {
      expect([folder, (await modeOf(join(dataDir, folder))).toString(8)]).toEqual([folder, '700']);
    }
    for (const file of ['postgres-password', 'postgres-superuser-password', 'encryption.key']) {
      expect([file, (await modeOf(join(dataDir, file))).toString(8)]).toEqual([file, '600']);
    }
    const blobs = await blobFiles(dataDir);
    expect(blobs).toHaveLength(1);
    expect((await modeOf(blobs[0])).toString(8)).toBe('600');

    // An upload in flight when the node is killed leaves its temp file behind.
    const feedFolder = (await readdir(join(dataDir, 'storage'))).find((n) => n.startsWith('feed-')) as string;
    const uploadTemp = join(dataDir, 'storage', feedFolder, '.tmp');
    const body = new PassThrough();
    const inFlight = raw(first, 'POST', '/endpoints/private/content/big.bin', {
      headers: { 'Content-Length': 10 * 1024 * 1024 },
      body,
    }).catch(() => undefined);
    body.write(randomBytes(256 * 1024));
    await eventually(async () => (await readdir(uploadTemp).catch(() => [])).length > 0, 20_000);
    const [crashLeftover] = await readdir(uploadTemp);

    // Another node's files: fresh ones are in flight and stay; idle ones are leftovers.
    const otherNode = `${HOST === 'another-node' ? 'yet-another-node' : 'another-node'}_4242_0badcafe`;
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    const foreignFresh = [
      join(uploadTemp, `upload_${otherNode}_01.tmp`),
      join(dataDir, 'tmp', `import_${otherNode}_02`),
    ];
    const foreignOld = [
      join(uploadTemp, `upload_${otherNode}_03.tmp`),
      join(dataDir, 'tmp', `import-${randomBytes(8).toString('hex')}`),
    ];
    for (const file of [...foreignFresh, ...foreignOld]) await writeFile(file, 'partial');
    for (const file of foreignOld) await utimes(file, twoHoursAgo, twoHoursAgo);

    // kill -9 of the node and of the watchdog that would stop its PostgreSQL: the worst case.
    const { pid: postgresPid } = await postmaster(dataDir);
    const watchdog = await watchdogOf(postgresPid);
    expect(watchdog).toBeDefined();
    process.kill(watchdog as number, 'SIGKILL');
    await first.kill();
    await inFlight;
    expect(isRunning(postgresPid)).toBe(true);

    const second = await start(dataDir);
    expect(isRunning(postgresPid)).toBe(false);
    expect(await download(second, 'private', 'a.bin')).toEqual(content);
    await expectPrivate(dataDir);
    await eventually(async () => {
      const left = await Promise.all([join(uploadTemp, crashLeftover), ...foreignOld].map(exists));
      return left.every((e) => !e);
    }, 20_000);
    for (const file of foreignFresh) expect([file, await exists(file)]).toEqual([file, true]);

    // kill -9 of the node alone: its PostgreSQL follows (the watchdog), the next start is clean.
    const { pid: secondPostgres } = await postmaster(dataDir);
    await second.kill();
    await eventually(async () => !isRunning(secondPostgres), 30_000);
    const third = await start(dataDir);
    expect(third.output()).not.toContain('previous run');
    expect(await download(third, 'private', 'a.bin')).toEqual(content);
  }, 300_000);

  it('says why it cannot start, also when the database library rejects without a reason', async () => {
    const dataDir = await newDataDir();
    // A data folder PostgreSQL refuses (wrong version, and as root wrong owner): it exits at once.
    await mkdir(join(dataDir, 'postgres'), { mode: 0o700 });
    await writeFile(join(dataDir, 'postgres', 'PG_VERSION'), '9\n');
    const failure = await start(dataDir).then(
      () => new Error('the server started'),
      (e: Error) => e,
    );
    expect(failure.message).toMatch(/Stockroom failed to start: The embedded PostgreSQL in \S+ did not start/);
    expect(failure.message).toMatch(/Its last messages:\n.*(FATAL|postgres)/);
    expect(failure.message).not.toMatch(/TypeError|reading 'message'|undefined/);
  });

  it('converts an install made with the old fixed credentials, keeping its data', async () => {
    const dataDir = await newDataDir();
    const legacy = spawn(process.execPath, [join(__dirname, '../support/legacy-embedded-postgres.mjs'), dataDir], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    killOnExit(legacy);
    const legacyExited = new Promise((done) => legacy.once('exit', done));
    const [, port] = await waitForLine(legacy, /^ready (\d+)$/, {
      timeoutMs: 60_000,
      what: 'the old-layout PostgreSQL',
    }).match;

    // The old server: the application signed in as the superuser stockroom/stockroom.
    const content = randomBytes(2048);
    const old = await start(dataDir, { DATABASE_URL: `postgres://stockroom:stockroom@127.0.0.1:${port}/stockroom` });
    await createDirectory(old, 'kept');
    await upload(old, 'kept', 'old.bin', content);
    await old.stop();
    legacy.stdin?.end();
    await legacyExited;

    const converted = await start(dataDir);
    await expectPrivate(dataDir);
    expect(await download(converted, 'kept', 'old.bin')).toEqual(content);
    await upload(converted, 'kept', 'new.bin', content);
    expect(await download(converted, 'kept', 'new.bin')).toEqual(content);
    expect((await modeOf(join(dataDir, 'postgres-superuser-password'))).toString(8)).toBe('600');
    await converted.stop();

    // Still converted, and the old password still refused, at the next start.
    const again = await start(dataDir);
    await expectPrivate(dataDir);
    expect(await download(again, 'kept', 'old.bin')).toEqual(content);
  }, 300_000);
});
