// Helpers shared by the benchmarks in bench/: logging, child processes, curl, files, memory, wrk, small-upload rates,
// formatting, and the common setup (build, tools, temp dir, fresh database, Stockroom with an admin
// password, nginx) and teardown.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { connect, createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const KiB = 1024;
export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;

const started = performance.now();
export function log(message) {
  const s = ((performance.now() - started) / 1000).toFixed(1).padStart(7);
  console.log(`[${s}s] ${message}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * A port the system hands out now, for servers that cannot take port 0 themselves (nginx): another
 * process may take it before they do, so their start is retried (see startNginx).
 */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Runs a command to completion; resolves with { code, stdout, stderr } (never rejects on exit code). */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function commandExists(name) {
  return (await run('sh', ['-c', `command -v ${name}`])).code === 0;
}

// ---------------------------------------------------------------- child processes

const children = new Set();

/** Starts a long-running child whose output goes to `logFile`; it is killed by stopAll(). */
export function startChild(name, cmd, args, { env, logFile, cwd } = {}) {
  const out = createWriteStream(logFile, { flags: 'a' });
  const proc = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.pipe(out);
  proc.stderr.pipe(out);
  const child = { name, proc, logFile, pid: proc.pid, exited: false, lines: [], onLine: undefined };
  // Whole lines of its output, for waitForLine (a server on port 0 prints the port it got).
  let pending = '';
  const capture = (d) => {
    const lines = (pending + d).split('\n');
    pending = lines.pop();
    for (const line of lines) {
      if (child.lines.length < 1000) child.lines.push(line);
      child.onLine?.(line);
    }
  };
  proc.stdout.on('data', capture);
  proc.stderr.on('data', capture);
  child.done = new Promise((resolve) => proc.on('close', (code, signal) => {
    child.exited = true;
    children.delete(child);
    resolve({ code, signal });
  }));
  proc.on('error', (e) => log(`${name}: ${e.message}`));
  children.add(child);
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child, graceMs = 10_000) {
  if (!child || child.exited) return;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => !child.exited && child.proc.kill('SIGKILL'), graceMs);
  await child.done;
  clearTimeout(timer);
}

export async function stopAll() {
  await Promise.all([...children].map((c) => stopChild(c)));
}

export async function tail(file, lines = 30) {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}

/** The first line of `child`'s output matching `pattern` (its match); fails if the child exits first. */
export async function waitForLine(child, pattern, timeoutMs = 180_000) {
  const seen = child.lines.map((l) => l.match(pattern)).find(Boolean);
  if (seen) return seen;
  const match = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    child.onLine = (line) => {
      const m = line.match(pattern);
      if (m) (clearTimeout(timer), resolve(m));
    };
    child.done.then(() => (clearTimeout(timer), resolve(undefined)));
  });
  child.onLine = undefined;
  if (match) return match;
  const why = child.exited ? 'exited before it was listening' : `printed no ${pattern} within ${timeoutMs / 1000}s`;
  throw new Error(`${child.name} ${why}:\n${await tail(child.logFile)}`);
}

/** Polls `url` until it answers 200; fails early if the child exits. */
export async function waitForHttp(url, child, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exited) throw new Error(`${child.name} exited before it was ready:\n${await tail(child.logFile)}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await sleep(200);
  }
  throw new Error(`${child.name} not ready after ${timeoutMs / 1000}s:\n${await tail(child.logFile)}`);
}

// ---------------------------------------------------------------- curl

/**
 * Runs curl with `-w` fields; returns them keyed by name, as numbers except `redirect_url` (a string, '' when
 * none). Throws on an answer whose status is not in `expectStatus` (default 200, 201).
 */
export async function curl(args, expectStatus = [200, 201]) {
  const fields = ['http_code', 'size_download', 'size_upload', 'time_starttransfer', 'time_total', 'speed_download', 'speed_upload',
    'time_redirect', 'num_redirects'];
  const w = [...fields, 'redirect_url'].map((f) => `%{${f}}`).join(' ');
  const r = await run('curl', ['-s', '-S', '-w', w, ...args]);
  const parts = r.stdout.trim().split(/\s+/);
  const values = Object.fromEntries(fields.map((f, i) => [f, Number(parts[i])]));
  values.redirect_url = parts[fields.length] ?? '';
  if (r.code !== 0 || !expectStatus.includes(values.http_code)) {
    const shown = args.map((a, i) => (args[i - 1] === '-u' ? a.replace(/:.*/, ':***') : a));
    throw new Error(`curl ${shown.join(' ')} failed: exit ${r.code}, HTTP ${values.http_code}, ${r.stderr.trim()}`);
  }
  return values;
}

/** Polls until something accepts TCP connections on 127.0.0.1:`port`; fails early if the child exits. */
export async function waitForPort(port, child, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  const answers = () => new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => (socket.destroy(), resolve(false)));
  });
  while (Date.now() < deadline) {
    if (child.exited) throw new Error(`${child.name} exited before it was ready:\n${await tail(child.logFile)}`);
    if (await answers()) return;
    await sleep(100);
  }
  throw new Error(`${child.name} not listening on port ${port} after ${timeoutMs / 1000}s:\n${await tail(child.logFile)}`);
}

// ---------------------------------------------------------------- files

/** sha256 (hex) of a file's content. */
export async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

/** Writes `size` bytes made of a repeated 16 MiB random block; returns the file's sha256 (hex). */
export async function makeFile(path, size) {
  const block = randomBytes(16 * MiB);
  const hash = createHash('sha256');
  const fh = await open(path, 'w', 0o644);
  try {
    for (let written = 0; written < size; ) {
      const chunk = block.subarray(0, Math.min(block.length, size - written));
      hash.update(chunk);
      await fh.write(chunk);
      written += chunk.length;
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

// ---------------------------------------------------------------- memory (Linux /proc)

/** Peak resident set size (VmHWM) of a process, in bytes. */
export async function peakRss(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) * KiB;
}

export async function currentRss(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * KiB;
}

/** Resets VmHWM to the current RSS; false when the kernel does not allow it. */
export async function resetPeakRss(pid) {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- formatting

export const mibps = (bytesPerSecond) => bytesPerSecond / MiB;
export const mb = (bytes) => bytes / 1e6;

/** Renders rows (arrays of strings) as an aligned text table with a header rule. */
export function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------- shared setup

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const MAIN = join(ROOT, 'dist/apps/api/main.js');
export const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
export const ADMIN_USER = 'Admin';

/**
 * State of one benchmark run: temp dir, database, the running server and the admin credentials it
 * was started with. `adminPassword` is generated per run and passed as STOCKROOM_ADMIN_PASSWORD.
 */
export const ctx = {
  tmp: undefined, dbName: undefined, databaseUrl: undefined, server: undefined, base: undefined,
  embedded: false, cleaned: false, interrupted: false,
  /** More to stop at the end (e.g. a slapd): functions returning promises. */
  cleanups: [],
  adminPassword: `bench-${randomBytes(18).toString('base64url')}`,
};

/** `Authorization` header value for the admin (Basic user:password). */
export const adminAuthorization = () => `Basic ${Buffer.from(`${ADMIN_USER}:${ctx.adminPassword}`).toString('base64')}`;
/** curl arguments that send the admin's credentials. */
export const adminCurlArgs = () => ['-u', `${ADMIN_USER}:${ctx.adminPassword}`];

/** The newest modification time (ms) of the files under `dir`, skipping node_modules. */
async function newestUnder(dir) {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    if (path.includes('/node_modules/')) continue;
    newest = Math.max(newest, (await stat(path)).mtimeMs);
  }
  return newest;
}

/** Builds the server and console when dist/apps/api/main.js is missing or older than a source file of the server. */
export async function ensureBuild() {
  if (existsSync(MAIN)) {
    const built = (await stat(MAIN)).mtimeMs;
    const sources = Math.max(await newestUnder(join(ROOT, 'apps/api/src')), await newestUnder(join(ROOT, 'libs')));
    if (sources <= built) return;
    log('a source file is newer than dist/apps/api/main.js: building (npx nx run-many -t build -p api web)…');
  } else log('dist/apps/api/main.js missing: building (npx nx run-many -t build -p api web)…');
  const r = await run('npx', ['nx', 'run-many', '-t', 'build', '-p', 'api', 'web'], {
    cwd: ROOT, env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
  });
  if (!existsSync(MAIN)) throw new Error(`build failed:\n${(r.stdout + r.stderr).split('\n').slice(-40).join('\n')}`);
  if (r.code !== 0) log(`WARNING: the build exited with ${r.code} but produced ${MAIN}; continuing`);
}

export async function ensureTool(command, pkg) {
  if (await commandExists(command)) return;
  log(`${command} not found: apt-get install -y ${pkg}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const r = await run('apt-get', ['install', '-y', '--no-install-recommends', pkg], { env });
  if (!(await commandExists(command))) {
    throw new Error(`could not install ${pkg} (exit ${r.code}); install it yourself (apt-get install ${pkg}) and re-run.\n${r.stderr.trim()}`);
  }
}

/** Creates the run's temp dir (readable by nginx workers and an embedded PostgreSQL, which run as other users). */
export async function makeTempDir() {
  ctx.tmp = await mkdtemp('/tmp/stockroom-bench-');
  await chmod(ctx.tmp, 0o755);
  return ctx.tmp;
}

/** A fresh database on the local PostgreSQL when reachable; otherwise the server's embedded one. */
export async function setupDatabase() {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (e) {
    log(`no PostgreSQL at ${ADMIN_URL} (${e.message}): the server will start its embedded PostgreSQL`);
    ctx.embedded = true;
    return undefined;
  }
  try {
    ctx.dbName = `stockroom_bench_${Math.random().toString(36).slice(2, 10)}`;
    await admin.query(`CREATE DATABASE ${ctx.dbName}`);
    const url = new URL(ADMIN_URL);
    url.pathname = `/${ctx.dbName}`;
    log(`created database ${ctx.dbName}`);
    ctx.databaseUrl = url.toString();
    return ctx.databaseUrl;
  } finally {
    await admin.end();
  }
}

/** The database URL the server uses (`databaseUrl`, or its embedded PostgreSQL's), for direct SQL setup. */
export async function serverDatabaseUrl(databaseUrl) {
  if (databaseUrl) return databaseUrl;
  const pid = await readFile(join(ctx.tmp, 'stockroom-data/postgres/postmaster.pid'), 'utf8');
  return `postgres://stockroom:stockroom@127.0.0.1:${pid.split('\n')[3].trim()}/stockroom`;
}

/**
 * Starts dist/apps/api/main.js on a port the system picks (PORT=0; it prints the URL it got) with a
 * generated admin password; waits for /health. `name` (default `stockroom`) names its data folder and log file, for a
 * second server in the same run.
 * `nodeArgs` (default: BENCH_SERVER_NODE_ARGS split on spaces, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof")
 * go before the script.
 */
export async function startStockroom(databaseUrl, extraEnv = {}, { nodeArgs = serverNodeArgs(), name = 'stockroom' } = {}) {
  const env = {
    PORT: '0', HOST: '127.0.0.1', STOCKROOM_DATA_DIR: join(ctx.tmp, `${name}-data`), DATABASE_URL: databaseUrl ?? '',
    STOCKROOM_ADMIN_PASSWORD: ctx.adminPassword, ...extraEnv,
  };
  const child = startChild(name, process.execPath, [...nodeArgs, MAIN], { env, cwd: ROOT, logFile: join(ctx.tmp, `${name}.log`) });
  const [, base] = await waitForLine(child, /Stockroom listening on (http:\/\/127\.0\.0\.1:\d+)/);
  await waitForHttp(`${base}/health`, child);
  ctx.server = child;
  ctx.base = base;
  log(`Stockroom running at ${base} (pid ${child.pid})`);
  return child;
}

const serverNodeArgs = () => (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** A JSON call to Stockroom as the admin (Basic); throws on a non-2xx answer. */
/** Which server a benchmark measured: the commit, uncommitted changes in apps/ or libs/, when dist was built. */
export async function describeServerBuild() {
  const commit = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT })).stdout.trim();
  const dirty = (await run('git', ['status', '--porcelain', '--', 'apps', 'libs'], { cwd: ROOT })).stdout.trim() !== '';
  return `${commit || 'unknown commit'}${dirty ? ' + uncommitted changes in apps/ or libs/' : ''}, dist built ${(await stat(MAIN)).mtime.toISOString()}`;
}

/** `count` file rows (1 MiB each, made-up hashes, no blobs) inserted in SQL into directory `feed`, for listing benchmarks. */
export async function insertListingRows(databaseUrl, feed, count) {
  const db = new pg.Client({ connectionString: await serverDatabaseUrl(databaseUrl) });
  await db.connect();
  try {
    const { rows } = await db.query(`SELECT id FROM feeds WHERE name_lower = lower($1)`, [feed]);
    await db.query(
      `INSERT INTO asset_items (feed_id, path, path_lower, parent_lower, name, name_lower, kind, size, media_type, blob_key,
         md5, sha1, sha256, sha512, created_at, modified_at)
       SELECT $1, n, lower(n), '', n, lower(n), 'file', 1048576, 'application/octet-stream', 'bench/' || n,
         md5(n), left(md5(n) || md5(n || '1'), 40), md5(n) || md5(n || '2'),
         md5(n) || md5(n || '3') || md5(n || '4') || md5(n || '5'), now(), now()
       FROM (SELECT 'File-' || lpad(i::text, 6, '0') || '.bin' AS n FROM generate_series(1, $2::int) AS i) AS s`,
      [rows[0].id, count],
    );
    await db.query('ANALYZE asset_items');
  } finally {
    await db.end();
  }
  log(`  inserted ${count} rows`);
}

export async function api(method, path, body) {
  const headers = { Authorization: adminAuthorization() };
  if (body) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${ctx.base}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * nginx serving `root` (which must hold `ready.txt`), one worker (`workerProcesses`), on a free port.
 * `workerConnections`: nginx counts every connection of the worker, so load tests need more than the default 64.
 * `accessLog`: a file to log each request to (default off).
 */
export async function startNginx(root, { workerConnections = 64, extraHttp = '', workerProcesses = 1, accessLog = 'off' } = {}) {
  const dir = join(ctx.tmp, 'nginx');
  await mkdir(dir, { recursive: true });
  // nginx cannot listen on port 0: a port the system handed out, and another if it was taken meanwhile.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const conf = `daemon off;
worker_processes ${workerProcesses};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections ${workerConnections}; }
http {
  access_log ${accessLog};
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  client_body_temp_path ${dir}/body;
${extraHttp}  server { listen 127.0.0.1:${port}; root ${root}; }
}
`;
    await writeFile(join(dir, 'nginx.conf'), conf);
    const child = startChild('nginx', 'nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], {
      logFile: join(dir, 'stdout.log'),
    });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/ready.txt`, child, 15_000);
    } catch (e) {
      const inUse = /Address already in use/.test(await readFile(join(dir, 'error.log'), 'utf8').catch(() => ''));
      await stopChild(child);
      if (inUse && attempt < 5) continue;
      throw e;
    }
    log(`nginx running on port ${port} (pid ${child.pid})`);
    return { child, base: `http://127.0.0.1:${port}` };
  }
}

/** Stops every child, the embedded PostgreSQL if any, drops the database and removes the temp dir. */
export async function cleanup() {
  if (ctx.cleaned) return;
  ctx.cleaned = true;
  for (const stop of ctx.cleanups) await stop().catch(() => undefined);
  await stopAll();
  if (ctx.embedded && ctx.tmp) {
    // The server stops its embedded PostgreSQL on SIGTERM; make sure it did before deleting its files.
    const pidFile = join(ctx.tmp, 'stockroom-data/postgres/postmaster.pid');
    const pgPid = Number((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]);
    if (pgPid > 0) {
      try {
        process.kill(pgPid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  }
  if (ctx.dbName) {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    try {
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${ctx.dbName} WITH (FORCE)`);
      log(`dropped database ${ctx.dbName}`);
    } catch (e) {
      log(`could not drop database ${ctx.dbName}: ${e.message}`);
    } finally {
      await admin.end().catch(() => undefined);
    }
  }
  if (ctx.tmp) await rm(ctx.tmp, { recursive: true, force: true });
}

/** Runs `main` with cleanup on success, failure, SIGINT and SIGTERM; prints the server log's tail on failure. */
export async function runBench(main) {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      ctx.interrupted = true;
      log(`${signal}: cleaning up…`);
      cleanup().finally(() => process.exit(130));
    });
  }
  try {
    await main();
  } catch (e) {
    process.exitCode = 1;
    if (!ctx.interrupted) console.error(`\nBENCH FAILED: ${e.stack ?? e}`);
    if (ctx.server && !ctx.interrupted) console.error(`\nLast lines of the Stockroom log:\n${await tail(ctx.server.logFile)}`);
  } finally {
    await cleanup();
  }
}

// ---------------------------------------------------------------- small-upload rates (bench/moves.mjs)

/** One `POST content/{path}` of `body` (Content-Length known) into directory `feed` as the admin; resolves with the status. */
export function postContent(agent, feed, path, body) {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(ctx.base);
    const req = request(
      {
        host: hostname, port, method: 'POST', path: `/endpoints/${feed}/content/${path}`, agent,
        headers: { Authorization: adminAuthorization(), 'Content-Length': body.length, 'Content-Type': 'application/octet-stream' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * `clients` keep-alive clients each POSTing `body` as fast as it can for `seconds`, one request at a time;
 * `target(client, n)` names the n-th upload of a client (`{ feed, path }`). Every answer must be 201 (created or
 * overwritten), else it throws. Returns the count and the rate (uploads per second).
 */
export async function uploadRound({ clients, seconds, body, target }) {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const end = performance.now() + seconds * 1000;
  let count = 0;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let n = 0; performance.now() < end; n++) {
          const { feed, path } = target(c, n);
          const status = await postContent(agent, feed, path, body);
          if (status !== 201) throw new Error(`POST ${feed}/content/${path}: HTTP ${status}`);
          count++;
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  const elapsed = (performance.now() - started) / 1000;
  return { count, rate: count / elapsed };
}

/**
 * Rate rounds of several modes (`{ name: () => uploadRound(…) }`): `warmups` warm-up rounds each (connections, JIT,
 * the database's caches; not counted), then `rounds` rounds, alternating, the order rotating each round so that drift in
 * the machine's load hits every mode alike. Returns each mode's rates and median.
 */
export async function alternatingRates(modes, rounds, onRound = () => undefined, warmups = 1) {
  const names = Object.keys(modes);
  for (let w = 0; w < warmups; w++) for (const name of names) await modes[name]();
  const rates = Object.fromEntries(names.map((name) => [name, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length];
      rates[name].push((await modes[name]()).rate);
    }
    onRound(r, rates);
  }
  const medians = Object.fromEntries(names.map((name) => [name, median(rates[name])]));
  return { rates, medians };
}

// ---------------------------------------------------------------- CPU (Linux /proc)

let clkTck;
/** Clock ticks per second for /proc times (getconf CLK_TCK, usually 100). */
export async function clockTicks() {
  clkTck ??= Number((await run('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
  return clkTck;
}

/**
 * CPU ticks used so far: the whole machine (busy, and stolen by the hypervisor) and every process by pid
 * with its command name. Diff two snapshots with cpuUsage().
 */
export async function cpuSnapshot() {
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice: busy = user … softirq.
  const [user, nice, system, , , irq, softirq, steal = 0] = (await readFile('/proc/stat', 'utf8')).split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const machine = user + nice + system + irq + softirq;
  const procs = new Map();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const text = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => undefined);
    if (!text) continue;
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const f = text.slice(close + 2).split(' ');
    procs.set(Number(name), { comm, ticks: Number(f[11]) + Number(f[12]) });
  }
  return { at: performance.now(), machine, steal, procs };
}

/**
 * CPU between two snapshots in % of one core: `machine` (busy, all cores), `pids` (each given pid) and
 * `comms` (summed over processes with that command name that lived in both snapshots).
 */
export async function cpuUsage(before, after, { pids = {}, comms = [] } = {}) {
  const hz = await clockTicks();
  const seconds = (after.at - before.at) / 1000;
  const pct = (ticks) => (100 * ticks) / hz / seconds;
  const delta = (pid) => {
    const a = before.procs.get(pid);
    const b = after.procs.get(pid);
    return a && b && a.comm === b.comm ? b.ticks - a.ticks : 0;
  };
  const out = { machine: pct(after.machine - before.machine), steal: pct(after.steal - before.steal) };
  for (const [label, pid] of Object.entries(pids)) out[label] = pct(delta(pid));
  for (const comm of comms) {
    let ticks = 0;
    for (const [pid, p] of after.procs) {
      if (p.comm !== comm) continue;
      // A process absent from the first snapshot started in between (e.g. a new database connection).
      ticks += before.procs.has(pid) ? delta(pid) : p.ticks;
    }
    out[comm] = pct(ticks);
  }
  return out;
}

// ---------------------------------------------------------------- wrk (bench/auth.mjs, bench/retention.mjs)

const MS = { us: 1e-3, ms: 1, s: 1e3, m: 60e3 };
const toMs = (text) => {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  return m ? Number(m[1]) * MS[m[2]] : NaN;
};

/** Parses wrk's report (run with --latency). */
export function parseWrk(out) {
  const num = (re) => {
    const m = re.exec(out);
    return m ? Number(m[1]) : undefined;
  };
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m), ([\d.]+)([KMGT]?B) read/.exec(out);
  const unit = { B: 1, KB: KiB, MB: KiB ** 2, GB: KiB ** 3, TB: KiB ** 4 };
  const requests = total ? Number(total[1]) : 0;
  const bytes = total ? Number(total[4]) * unit[total[5]] : 0;
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const pct = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out);
    return m ? toMs(m[1]) : undefined;
  };
  const avg = /^\s+Latency\s+(\S+)/m.exec(out);
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    requests,
    bytesPerResponse: requests ? bytes / requests : 0,
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/) ?? 0,
    socketErrors: errors ? { connect: +errors[1], read: +errors[2], write: +errors[3], timeout: +errors[4] } : null,
    latencyMs: { avg: avg ? toMs(avg[1]) : undefined, p50: pct(50), p90: pct(90), p99: pct(99) },
  };
}

/**
 * Runs `wrk --latency` for `seconds` against `url` with extra `headers` ("Name: value") through bash, so that
 * `times` reports wrk's own CPU (it has exited before /proc can be read). Returns parseWrk()'s figures plus
 * `wrkCpuSeconds` and the `raw` report; throws when wrk fails.
 */
export async function wrk(url, headers, seconds, { threads = 2, connections = 64 } = {}) {
  const args = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '5s', '--latency'];
  for (const h of headers) args.push('-H', h);
  args.push(url);
  const r = await run('bash', ['-c', 'wrk "$@"; code=$?; times; exit $code', 'wrk', ...args]);
  if (r.code !== 0) throw new Error(`wrk ${url} failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
  const times = r.stdout.trim().split('\n').slice(-1)[0].split(/\s+/).map((t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
  });
  return { ...parseWrk(r.stdout), wrkCpuSeconds: times[0] + times[1], raw: r.stdout };
}

// ---------------------------------------------------------------- request checks

/** `['Name: value', …]` (curl/wrk style) as a fetch headers object. */
export const headerObject = (headers) => Object.fromEntries(headers.map((h) => [h.slice(0, h.indexOf(':')), h.slice(h.indexOf(':') + 1).trim()]));
/** `xs` rotated by `n`: who goes first changes each round. */
export const rotate = (xs, n) => xs.map((_, i) => xs[(i + n) % xs.length]);

/** Fails unless `url` answers 200 with exactly `expected`. */
export async function expectBody(label, url, headers, expected) {
  const res = await fetch(url, { headers: headerObject(headers) });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200 || !body.equals(expected)) {
    throw new Error(`${label}: expected 200 with the ${expected.length}-byte file, got HTTP ${res.status} with ${body.length} bytes: ${body.toString('utf8', 0, 200)}`);
  }
}

/** Fails unless `url` answers 200 with `size` bytes whose sha256 is `sha256` (streamed, not kept). */
export async function expectLargeBody(label, url, headers, size, sha256) {
  const res = await fetch(url, { headers: headerObject(headers) });
  if (res.status !== 200) throw new Error(`${label}: expected 200, got HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const hash = createHash('sha256');
  let n = 0;
  for await (const chunk of res.body) {
    hash.update(chunk);
    n += chunk.length;
  }
  const got = hash.digest('hex');
  if (n !== size || got !== sha256) throw new Error(`${label}: expected ${size} bytes with sha256 ${sha256}, got ${n} bytes with ${got}`);
}
