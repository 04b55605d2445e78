#!/usr/bin/env node
// The production smoke: starts the runtime layout that scripts/build-runtime.sh made (the image's /app:
// `node main.js` in that folder, nothing from the workspace) and uses it over real HTTP the way the
// console and scripts do: sign in, create a directory, chunked and single uploads, a recursive listing,
// a zip export, the console's index page. Modules that the server loads late (hash workers, streamed
// queries, archives) are loaded here, so a module missing from the runtime manifest fails this.
//
// Usage: node scripts/production-smoke.mjs [<runtime folder>] [--database-url <postgres://…/any>]
//   default folder: the one scripts/build-runtime.sh uses by default.
//   Without --database-url: the embedded PostgreSQL, with a private STOCKROOM_DATA_DIR deleted afterwards.
//   With it: a fresh database is created on that server (the URL's own database is only used to connect),
//   used, and dropped afterwards.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let databaseServer;
const dbFlag = args.indexOf('--database-url');
if (dbFlag >= 0) {
  databaseServer = args[dbFlag + 1];
  if (!databaseServer) usage('--database-url needs a URL');
  args.splice(dbFlag, 2);
}
const defaultFolder = () => {
  // Same as scripts/build-runtime.sh: $TMPDIR/stockroom-runtime-<cksum of the checkout's path>.
  const cksum = spawnText('cksum', [], repo);
  return join(process.env.TMPDIR || '/tmp', `stockroom-runtime-${cksum.split(' ')[0]}`);
};
const folder = resolve(args[0] ?? defaultFolder());
if (args.length > 1) usage(`unexpected arguments: ${args.slice(1).join(' ')}`);

function usage(problem) {
  console.error(
    `production-smoke: ${problem}\nusage: node scripts/production-smoke.mjs [<runtime folder>] [--database-url URL]`,
  );
  process.exit(2);
}

function spawnText(command, argv, input) {
  return spawnSync(command, argv, { input, encoding: 'utf8' }).stdout.trim();
}

// ---------------------------------------------------------------------------------------------------------
const results = [];
let failed = 0;
function report(ok, what, detail) {
  results.push({ ok, what });
  if (!ok) failed++;
  console.log(`${ok ? 'ok' : 'not ok'} - ${what}${detail ? ` (${detail})` : ''}`);
}
async function step(what, fn) {
  try {
    const detail = await fn();
    report(true, what, detail);
    return true;
  } catch (e) {
    report(false, what, e instanceof Error ? e.message : String(e));
    return false;
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message);
}

for (const f of ['main.js', 'package.json', 'node_modules', 'web/browser/index.html']) {
  if (!existsSync(join(folder, f))) usage(`${folder}/${f} is missing: run scripts/build-runtime.sh first`);
}
// Node resolves modules from every parent folder: a workspace node_modules above would hide a missing one.
for (let d = dirname(folder); d !== dirname(d); d = dirname(d)) {
  if (existsSync(join(d, 'node_modules')))
    usage(`${folder} lies under ${d}, which has a node_modules: use a folder outside`);
}

const layoutRequire = createRequire(join(folder, 'main.js'));
const work = mkdtempSync(join(tmpdir(), 'stockroom-prod-smoke-'));
chmodSync(work, 0o755); // as root, the embedded PostgreSQL runs as "postgres" and must reach its data
const password = `smoke-${randomBytes(12).toString('hex')}`;
let server;
let serverExit;
let log = '';
let database;

async function freePort() {
  return new Promise((ok, ko) => {
    const s = createServer();
    s.on('error', ko);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function withAdminClient(fn) {
  const { Client } = layoutRequire('pg');
  const client = new Client({ connectionString: databaseServer });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function start() {
  const port = await freePort();
  const env = { ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port) };
  for (const k of Object.keys(env))
    if (k.startsWith('STOCKROOM_') || k === 'NODE_PATH' || k === 'NODE_OPTIONS') delete env[k];
  delete env.DATABASE_URL;
  Object.assign(env, { STOCKROOM_DATA_DIR: join(work, 'data'), STOCKROOM_ADMIN_PASSWORD: password });
  if (databaseServer) {
    database = `stockroom_smoke_${process.pid}_${randomBytes(3).toString('hex')}`;
    await withAdminClient((c) => c.query(`CREATE DATABASE ${database}`));
    const url = new URL(databaseServer);
    url.pathname = `/${database}`;
    env.DATABASE_URL = url.toString();
  }
  server = spawn(process.execPath, ['main.js'], { cwd: folder, env, stdio: ['ignore', 'pipe', 'pipe'] });
  serverExit = new Promise((ok) => server.once('exit', (code, signal) => ok({ code, signal })));
  server.stdout.on('data', (b) => (log += b));
  server.stderr.on('data', (b) => (log += b));
  let base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  let exited;
  void serverExit.then((e) => (exited = e));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`the server exited (${exited.code ?? exited.signal}) before it was ready`);
    // A server started with PORT=0 prints the address it got; prefer that line when there is one.
    const printed = /Stockroom listening on (http:\/\/\S+)/.exec(log);
    if (printed) base = printed[1].replace(/\/$/, '');
    const res = await fetch(`${base}/health`).catch(() => undefined);
    if (res?.status === 200) return base;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the server was not ready (GET /health 200) within 180 s');
}

async function stop() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return serverExit && (await serverExit);
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 30_000);
  const result = await serverExit;
  clearTimeout(timer);
  return result;
}

async function cleanup() {
  await stop().catch(() => undefined);
  if (database)
    await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void cleanup().then(() => process.exit(130)));
}

// ---------------------------------------------------------------------------------------------------------
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const where = databaseServer
  ? `PostgreSQL at ${new URL(databaseServer).host} (fresh database)`
  : 'the embedded PostgreSQL';
console.log(`production smoke: ${folder} (node main.js) on ${where}`);

async function run() {
  let base;
  if (!(await step('start: node main.js answers GET /health 200 (readiness)', async () => (base = await start()))))
    return;

  await step('GET /health/live answers 200 (liveness)', async () => {
    const res = await fetch(`${base}/health/live`);
    assert(res.status === 200, `status ${res.status}`);
  });

  // The console's way: a session cookie, and its CSRF token echoed in X-XSRF-TOKEN.
  const cookies = new Map();
  const call = async (method, path, { body, headers = {} } = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      body,
      headers: {
        ...headers,
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(cookies.has('XSRF-TOKEN') ? { 'x-xsrf-token': cookies.get('XSRF-TOKEN') } : {}),
      },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return res;
  };
  const expectStatus = async (res, want) => {
    if (res.status !== want) throw new Error(`${res.status} instead of ${want}: ${(await res.text()).slice(0, 300)}`);
    return res;
  };
  const json = { 'content-type': 'application/json' };

  const signedIn = await step('sign in as Admin (POST /api/security/login, session cookie)', async () => {
    await expectStatus(
      await call('POST', '/api/security/login', {
        body: JSON.stringify({ userName: 'Admin', password }),
        headers: json,
      }),
      200,
    );
    const me = await (await expectStatus(await call('GET', '/api/security/me'), 200)).json();
    assert(me.userName === 'Admin' || me.name === 'Admin', `signed in as ${JSON.stringify(me)}`);
  });
  if (!signedIn) return;

  const ep = (p) => `/endpoints/smoke/${p}`;
  const made = await step(
    'create a directory (POST /api/management/feeds/create) and a folder (POST dir/docs)',
    async () => {
      await expectStatus(
        await call('POST', '/api/management/feeds/create', {
          body: JSON.stringify({ name: 'smoke', feedType: 'asset' }),
          headers: json,
        }),
        200,
      );
      await expectStatus(await call('POST', ep('dir/docs')), 201);
    },
  );
  if (!made) return;

  const big = randomBytes(2_500_000);
  await step('chunked (multipart) upload: 3 parts, complete, read back, SHA-256', async () => {
    const size = 1_000_000;
    const id = `smoke-${randomBytes(4).toString('hex')}`;
    const parts = Math.ceil(big.length / size);
    for (let i = 0; i < parts; i++) {
      const data = big.subarray(i * size, (i + 1) * size);
      const q = `multipart=upload&id=${id}&index=${i}&offset=${i * size}&totalSize=${big.length}&partSize=${data.length}&totalParts=${parts}`;
      await expectStatus(await call('POST', ep(`content/docs/big.bin?${q}`), { body: data }), 200);
    }
    await expectStatus(await call('POST', ep(`content/docs/big.bin?multipart=complete&id=${id}`)), 200);
    const back = Buffer.from(
      await (await expectStatus(await call('GET', ep('content/docs/big.bin')), 200)).arrayBuffer(),
    );
    assert(back.equals(big), `read back ${back.length} bytes that differ from the ${big.length} sent`);
    const meta = await (await expectStatus(await call('GET', ep('metadata/docs/big.bin')), 200)).json();
    assert(meta.sha256 === sha256(big), `sha256 ${meta.sha256}, expected ${sha256(big)}`);
    return `${parts} parts, ${big.length} bytes`;
  });

  const small = Buffer.from(`production smoke ${new Date().toISOString()}\n`);
  await step('single upload (POST content/docs/readme.txt) and download', async () => {
    await expectStatus(
      await call('POST', ep('content/docs/readme.txt'), { body: small, headers: { 'content-type': 'text/plain' } }),
      201,
    );
    const back = await (await expectStatus(await call('GET', ep('content/docs/readme.txt')), 200)).text();
    assert(back === small.toString(), `read back ${JSON.stringify(back)}`);
  });

  await step('recursive listing (GET dir/?recursive=true)', async () => {
    const items = await (await expectStatus(await call('GET', ep('dir/?recursive=true')), 200)).json();
    assert(Array.isArray(items), 'not a JSON array');
    const byPath = new Map(items.map((i) => [i.parent ? `${i.parent}/${i.name}` : i.name, i]));
    assert(byPath.get('docs')?.type === 'dir', `no folder "docs" in ${JSON.stringify([...byPath.keys()])}`);
    assert(byPath.get('docs/big.bin')?.size === big.length, 'docs/big.bin missing or of the wrong size');
    assert(byPath.get('docs/readme.txt')?.size === small.length, 'docs/readme.txt missing or of the wrong size');
    return `${items.length} items`;
  });

  await step('export as zip (GET export/?format=zip&recursive=true) holds both files', async () => {
    const res = await expectStatus(await call('GET', ep('export/?format=zip&recursive=true')), 200);
    assert(
      res.headers.get('content-type')?.startsWith('application/zip'),
      `content-type ${res.headers.get('content-type')}`,
    );
    const zip = Buffer.from(await res.arrayBuffer());
    const yauzl = layoutRequire('yauzl');
    const entries = await new Promise((ok, ko) =>
      yauzl.fromBuffer(zip, { lazyEntries: false }, (err, z) => {
        if (err) return ko(err);
        const found = new Map();
        z.on('entry', (e) => found.set(e.fileName, e.uncompressedSize));
        z.on('end', () => ok(found));
        z.on('error', ko);
      }),
    );
    assert(entries.get('docs/big.bin') === big.length, `entries ${JSON.stringify([...entries])}`);
    assert(entries.get('docs/readme.txt') === small.length, `entries ${JSON.stringify([...entries])}`);
    return `${zip.length} bytes, ${entries.size} entries`;
  });

  await step("the console's index page (GET / as a browser) and its script", async () => {
    const res = await expectStatus(await call('GET', '/', { headers: { accept: 'text/html' } }), 200);
    assert(res.headers.get('content-type')?.startsWith('text/html'), `content-type ${res.headers.get('content-type')}`);
    const html = await res.text();
    const expected = readFileSync(join(folder, 'web/browser/index.html'), 'utf8');
    assert(html.includes('<title>Stockroom</title>') && html === expected, 'not the built console index.html');
    const script = /<script src="([^"]+\.js)"/.exec(html)?.[1];
    assert(script, 'no script in index.html');
    await expectStatus(await call('GET', `/${script.replace(/^\//, '')}`), 200);
    return script;
  });

  await step('stops on SIGTERM', async () => {
    const { code, signal } = await stop();
    assert(code === 0, `exit ${code ?? signal}`);
  });
}

let crashed;
try {
  await run();
} catch (e) {
  crashed = e;
  report(false, 'smoke', e instanceof Error ? e.message : String(e));
}
if (failed) {
  // Nest's start-up lines (modules, routes) say nothing about a failure: leave them out.
  const lines = log
    .trim()
    .split('\n')
    .filter((l) => !/RouterExplorer|RoutesResolver|InstanceLoader/.test(l));
  console.log(`--- server output (last 40 lines, route mapping omitted) ---\n${lines.slice(-40).join('\n')}\n---`);
}
await cleanup();
const passed = results.filter((r) => r.ok).length;
console.log(
  `production smoke: ${failed ? 'FAILED' : 'OK'} — ${passed} passed, ${failed} failed (${folder}, ${where})` +
    (crashed ? ' [crashed]' : ''),
);
process.exit(failed ? 1 : 0);
