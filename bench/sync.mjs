// Stockroom connectors, replication and webhooks benchmark (issue 20), each against a reference from the same run:
// - the first fetch of a 1 GiB file through a connector (nginx upstream) vs a single-POST upload of the same file
//   (both hash the body once and store it; goal ≥ 0.8), and the cached fetch vs a local download of the uploaded copy;
// - 100 concurrent GETs of one uncached file through a connector: how many requests reached the upstream (goal: 1);
// - replication (pull) of 10,000 files from a second Stockroom, then again after 100 of them changed: time, files
//   copied, and the bytes the remote sent (≈ only the changed files' bytes plus the listing);
// - webhooks: the upload rate with 3 webhooks configured vs none (goal ≥ 0.95), and the delivery rate.
// Usage: node bench/sync.mjs   (see bench/README.md; BENCH_QUICK=1: 64 MiB, 1,000 files, 2 rounds, 2 s upload rounds;
// BENCH_SYNC_ONLY=connector|replication|webhooks, comma-separated: only those parts)
// Figures, not tests: the exit code is non-zero only when the script itself fails (e.g. a wrong answer).
import { fork } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { Agent, createServer } from 'node:http';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import yazl from 'yazl';
import {
  ADMIN_URL, GiB, MiB, ROOT, adminAuthorization, adminCurlArgs, alternatingRates, api, ctx, curl, describeServerBuild,
  ensureBuild, ensureTool, cpuSnapshot, cpuUsage, expectLargeBody, log, makeFile, makeTempDir, median, mibps, postContent, runBench, setupDatabase, sleep,
  startNginx, startStockroom, table, uploadRound,
} from './lib.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const RESULTS = join(ROOT, `dist/bench/sync${QUICK ? '-quick' : ''}.json`);
const BIG = (Number(process.env.BENCH_SYNC_BIG_MIB) || (QUICK ? 64 : 1024)) * MiB;
const ROUNDS = Number(process.env.BENCH_SYNC_ROUNDS) || (QUICK ? 2 : 3);
const FILES = Number(process.env.BENCH_SYNC_FILES) || (QUICK ? 1000 : 10_000);
const CHANGED = Math.max(1, Math.round(FILES / 100));
const CONCURRENT = 100;
const UPLOAD_SECONDS = Number(process.env.BENCH_SYNC_SECONDS) || (QUICK ? 2 : 8);
const UPLOAD_CLIENTS = 8;
const WEBHOOKS = 3;
/** The upload rates drift up for a minute (JIT, caches): two warm-up rounds each, then more rounds than the others. */
const WEBHOOK_ROUNDS = ROUNDS + 2;
const FETCH_GOAL = 0.8;
const WEBHOOK_GOAL = 0.95;
const SECRET = 'bench-webhook-secret-0123456789';
/** BENCH_SYNC_ONLY=connector,replication,webhooks: the parts to measure (default all). */
const ONLY = new Set((process.env.BENCH_SYNC_ONLY || 'connector,replication,webhooks').split(',').map((s) => s.trim()));

const f0 = (x) => (x == null || Number.isNaN(x) ? '' : x.toFixed(0));
const f2 = (x) => (x == null || Number.isNaN(x) ? '' : x.toFixed(2));
const sizeLabel = (n) => (n >= GiB ? `${n / GiB} GiB` : `${n / MiB} MiB`);
const content = (base, feed, path) => `${base}/endpoints/${feed}/content/${path}`;

// ---------------------------------------------------------------- connectors

const connectorFeed = (name, nginxBase) =>
  api('POST', '/api/management/feeds/create', {
    name, feedType: 'asset', connector: { type: 'http', url: `${nginxBase}/`, timeoutSeconds: 60 },
  });
const timedGet = async (url) => BIG / (await curl([...adminCurlArgs(), '-o', '/dev/null', url], [200])).time_total;

/**
 * First a check that the bytes are right end to end (sha256 of the first fetch and of the cached one). Then ROUNDS
 * rounds, alternating: a fresh directory whose connector points at nginx, `GET` of the big file (the first fetch:
 * upstream → hashes → storage, streamed to the client as it arrives), then the same `GET` again (cached: a local
 * download); and a single `POST` of the same file into another directory, then its local download. Each round's
 * directories are deleted after it.
 */
async function measureConnector(nginxBase, bigFile, bigSha) {
  const auth = [`Authorization: ${adminAuthorization()}`];
  await connectorFeed('verify', nginxBase);
  await expectLargeBody('first fetch', content(ctx.base, 'verify', 'big.bin'), auth, BIG, bigSha);
  await expectLargeBody('cached fetch', content(ctx.base, 'verify', 'big.bin'), auth, BIG, bigSha);
  await api('DELETE', '/api/management/feeds/delete/verify');
  const runs = { fetch: [], cached: [], upload: [], local: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const proxied = `proxy${round}`;
    const local = `local${round}`;
    await connectorFeed(proxied, nginxBase);
    await api('POST', '/api/management/feeds/create', { name: local, feedType: 'asset' });
    const steps = [
      async () => {
        runs.fetch.push(await timedGet(content(ctx.base, proxied, 'big.bin')));
        runs.cached.push(await timedGet(content(ctx.base, proxied, 'big.bin')));
      },
      async () => {
        const r = await curl([...adminCurlArgs(), '-X', 'POST', '-T', bigFile, '-o', '/dev/null', content(ctx.base, local, 'big.bin')], [201]);
        runs.upload.push(BIG / r.time_total);
        runs.local.push(await timedGet(content(ctx.base, local, 'big.bin')));
      },
    ];
    for (const step of round % 2 ? steps.reverse() : steps) await step();
    await api('DELETE', `/api/management/feeds/delete/${proxied}`);
    await api('DELETE', `/api/management/feeds/delete/${local}`);
    log(`  round ${round + 1}: first fetch ${f0(mibps(runs.fetch[round]))} MiB/s, upload ${f0(mibps(runs.upload[round]))} MiB/s`);
  }
  return Object.fromEntries(Object.entries(runs).map(([k, xs]) => [k, { runs: xs, median: median(xs) }]));
}

/** CONCURRENT GETs at once of one file the connector has never fetched; counts the upstream's requests for it. */
async function measureConcurrent(nginxBase, accessLog, file, size, sha) {
  await connectorFeed('herd', nginxBase);
  const before = (await readFile(accessLog, 'utf8')).split('\n').filter((l) => l.includes(`GET /${file} `)).length;
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: CONCURRENT }, async () => {
      const res = await fetch(content(ctx.base, 'herd', file), { headers: { Authorization: adminAuthorization() } });
      const body = Buffer.from(await res.arrayBuffer());
      return { status: res.status, size: body.length, sha: createHash('sha256').update(body).digest('hex') };
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const wrong = answers.filter((a) => a.status !== 200 || a.size !== size || a.sha !== sha);
  if (wrong.length) throw new Error(`${wrong.length} of ${CONCURRENT} concurrent GETs got a wrong answer: ${JSON.stringify(wrong[0])}`);
  await sleep(500); // nginx writes its access log line after the response
  const after = (await readFile(accessLog, 'utf8')).split('\n').filter((l) => l.includes(`GET /${file} `)).length;
  return { upstreamRequests: after - before, seconds };
}

// ---------------------------------------------------------------- replication

/** A second Stockroom (its own database and data folder) for replication's remote. */
async function startRemote(databaseUrl) {
  let remoteDb = '';
  if (databaseUrl) {
    const name = `${ctx.dbName}_remote`;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    remoteDb = url.toString();
    ctx.cleanups.push(async () => {
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => a.end());
    });
  }
  const main = { server: ctx.server, base: ctx.base };
  await startStockroom(remoteDb, { STOCKROOM_IMPORT_MAX_ENTRIES: '200000' }, { name: 'remote' });
  const remote = { server: ctx.server, base: ctx.base };
  Object.assign(ctx, main);
  return remote;
}

/** As the admin, on another Stockroom than ctx.base. */
async function remoteApi(remote, method, path, body, contentType = 'application/json') {
  const res = await fetch(`${remote.base}${path}`, {
    method, headers: { Authorization: adminAuthorization(), ...(body ? { 'Content-Type': contentType } : {}) },
    body: body && contentType === 'application/json' ? JSON.stringify(body) : body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${remote.base}${path}: HTTP ${res.status} ${text}`);
  return text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
}

const entryName = (i) => `f${String(Math.floor(i / 500)).padStart(3, '0')}/file-${String(i).padStart(6, '0')}.txt`;
const entryBody = (i, version) => Buffer.from(`stockroom sync bench, entry ${i}, version ${version}\n${'x'.repeat(1000)}\n`);

async function zipOf(indexes, version) {
  const zip = new yazl.ZipFile();
  for (const i of indexes) zip.addBuffer(entryBody(i, version), entryName(i));
  zip.end();
  const chunks = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Bytes the server has sent in response bodies so far (its Prometheus counter, all routes). */
async function bytesSent(server) {
  const text = await remoteApi(server, 'GET', '/metrics');
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('stockroom_http_response_body_bytes_total')) total += Number(line.split(' ').pop());
  }
  return total;
}

async function measureReplication(remote) {
  await remoteApi(remote, 'POST', '/api/management/feeds/create', { name: 'origin', feedType: 'asset' });
  const all = Array.from({ length: FILES }, (_, i) => i);
  await remoteApi(remote, 'POST', '/endpoints/origin/import/?format=zip', await zipOf(all, 1), 'application/zip');
  const { key } = await remoteApi(remote, 'POST', '/api/api-keys/create', { type: 'Feed', feed: 'origin', packagePermissions: ['view'] });
  await api('POST', '/api/management/feeds/create', { name: 'replica', feedType: 'asset' });
  const job = await api('POST', '/api/replication', {
    feed: 'replica', remoteUrl: `${remote.base}/`, remoteFeed: 'origin', mode: 'pull', apiKey: key,
  });
  const runOnce = async () => {
    const sentBefore = await bytesSent(remote);
    const started = performance.now();
    const run = await api('POST', `/api/replication/${job.id}/run?wait=true`);
    const seconds = (performance.now() - started) / 1000;
    if (run.state !== 'completed') throw new Error(`replication run ${run.id} ended ${run.state}: ${run.error ?? ''}`);
    return { seconds, run, remoteSent: (await bytesSent(remote)) - sentBefore };
  };
  log(`  full pull of ${FILES} files…`);
  const full = await runOnce();
  const changed = Array.from({ length: CHANGED }, (_, k) => Math.floor((k * FILES) / CHANGED));
  await remoteApi(remote, 'POST', '/endpoints/origin/import/?format=zip&overwrite=true', await zipOf(changed, 2), 'application/zip');
  log(`  pull after ${CHANGED} files changed…`);
  const delta = await runOnce();
  if (delta.run.copiedFiles !== CHANGED) throw new Error(`the second run copied ${delta.run.copiedFiles} files, expected ${CHANGED}`);
  const sample = changed[0];
  const got = await (await fetch(content(ctx.base, 'replica', entryName(sample)), { headers: { Authorization: adminAuthorization() } })).text();
  if (got !== entryBody(sample, 2).toString()) throw new Error(`${entryName(sample)} was not replicated with its new content`);
  return { full, delta, changedBytes: changed.reduce((n, i) => n + entryBody(i, 2).length, 0) };
}

// ---------------------------------------------------------------- webhooks

/**
 * A receiver on a free port that checks every delivery's signature and counts them. In a process of its own, as a
 * receiver would be: not in the event loop that drives the uploads. It reports its counts every 20 ms.
 */
async function startReceiver() {
  const child = fork(fileURLToPath(import.meta.url), ['receiver'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  ctx.cleanups.push(() => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill()))));
  const state = { received: 0, bad: 0 };
  const port = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the webhook receiver exited (${code})`)));
    child.on('message', (m) => (m.port ? resolve(m.port) : Object.assign(state, m)));
  });
  return { state, url: `http://127.0.0.1:${port}` };
}

function runReceiver() {
  const state = { received: 0, bad: 0 };
  let reported = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const [t, v1] = String(req.headers['x-stockroom-signature'] ?? '').split(',').map((p) => p.slice(p.indexOf('=') + 1));
      const expected = createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex');
      if (v1 === expected) state.received++;
      else state.bad++;
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  setInterval(() => {
    if (state.received + state.bad === reported) return;
    reported = state.received + state.bad;
    process.send(state);
  }, 20);
  process.on('disconnect', () => process.exit(0));
}

async function measureWebhooks(receiver) {
  await api('POST', '/api/management/feeds/create', { name: 'plain', feedType: 'asset' });
  await api('POST', '/api/management/feeds/create', { name: 'hooked', feedType: 'asset' });
  for (let i = 0; i < WEBHOOKS; i++) {
    await api('POST', '/api/webhooks', { url: `${receiver.url}/hook${i}`, events: ['file.created', 'file.updated'], feed: 'hooked', secret: SECRET });
  }
  const body = randomBytes(4096);
  let uploads = 0;
  const cpu = { none: [], webhooks: [] };
  const outstanding = () => uploads * WEBHOOKS - receiver.state.received - receiver.state.bad;
  // Each round starts once every delivery of the rounds before it has arrived: no round pays for another's.
  const drained = async () => {
    for (let waited = 0; outstanding() > 0 && waited < 600_000; waited += 100) await sleep(100);
    if (outstanding() > 0) throw new Error(`${outstanding()} deliveries did not arrive within 10 minutes`);
  };
  const behind = [];
  const round = (feed, mode) => async () => {
    await drained();
    const before = await cpuSnapshot();
    const r = await uploadRound({ clients: UPLOAD_CLIENTS, seconds: UPLOAD_SECONDS, body, target: (c, n) => ({ feed, path: `c${c}/f${n}.bin` }) });
    const { machine } = await cpuUsage(before, await cpuSnapshot());
    if (feed === 'hooked') {
      uploads += r.count;
      behind.push(outstanding() / (r.count * WEBHOOKS));
    }
    // All processes (server, database, receiver, this client), ms of CPU per upload.
    cpu[mode].push((machine / 100) * 1000 / r.rate);
    return r;
  };
  const rates = await alternatingRates({ none: round('plain', 'none'), webhooks: round('hooked', 'webhooks') }, WEBHOOK_ROUNDS, undefined, 2);
  await drained();
  if (receiver.state.bad) throw new Error(`${receiver.state.bad} deliveries had a wrong signature`);
  const burst = QUICK ? 200 : 2000;
  const start = receiver.state.received;
  const started = performance.now();
  await uploadRoundCount('hooked', burst, body);
  while (receiver.state.received - start < burst * WEBHOOKS) await sleep(20);
  const seconds = (performance.now() - started) / 1000;
  const cpuMs = { none: median(cpu.none.slice(2)), webhooks: median(cpu.webhooks.slice(2)) };
  return { rates, cpuMs, behindAtEnd: median(behind.slice(2)), deliveriesPerSecond: (burst * WEBHOOKS) / seconds, burst, delivered: receiver.state.received };
}

/** `count` uploads into `feed` (8 clients), as fast as they go. */
async function uploadRoundCount(feed, count, body) {
  const agent = new Agent({ keepAlive: true, maxSockets: UPLOAD_CLIENTS });
  let next = 0;
  await Promise.all(
    Array.from({ length: UPLOAD_CLIENTS }, async () => {
      for (let n = next++; n < count; n = next++) {
        const status = await postContent(agent, feed, `burst/f${n}.bin`, body);
        if (status !== 201) throw new Error(`burst upload ${n}: HTTP ${status}`);
      }
    }),
  );
  agent.destroy();
}

// ---------------------------------------------------------------- main

async function main() {
  const facts = {
    cores: os.cpus().length, cpu: os.cpus()[0]?.model.trim(), memoryGiB: (os.totalmem() / GiB).toFixed(1),
    node: process.version, loadBefore: os.loadavg().map(f2).join(' '), quick: QUICK,
  };
  await ensureBuild();
  await ensureTool('curl', 'curl');
  await ensureTool('nginx', 'nginx-light');
  facts.build = await describeServerBuild();
  await makeTempDir();
  const { bavail, bsize } = await statfs(ctx.tmp);
  const need = 5 * BIG + 1e9;
  if (bavail * bsize < need) throw new Error(`only ${((bavail * bsize) / 1e9).toFixed(1)} GB free under /tmp; ${(need / 1e9).toFixed(1)} GB needed`);

  const root = join(ctx.tmp, 'upstream');
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'ready.txt'), 'ok\n');
  const bigFile = join(root, 'big.bin');
  log(`writing the ${sizeLabel(BIG)} upstream file…`);
  const bigSha = await makeFile(bigFile, BIG);
  const herd = randomBytes(QUICK ? 4 * MiB : 64 * MiB);
  await writeFile(join(root, 'herd.bin'), herd);
  const accessLog = join(ctx.tmp, 'nginx-access.log');
  await writeFile(accessLog, '');
  const nginx = await startNginx(root, { workerConnections: 512, accessLog });

  const databaseUrl = await setupDatabase();
  facts.database = databaseUrl ? `local PostgreSQL (${ctx.dbName})` : 'embedded PostgreSQL (started by the server)';
  // The upstream and the webhook receiver are on 127.0.0.1: allowed by an administrator's settings as in production.
  await startStockroom(databaseUrl);

  const r = {};
  if (ONLY.has('connector')) {
    log(`connector: first fetch of ${sizeLabel(BIG)} vs a single POST, ${ROUNDS} rounds alternating…`);
    r.connector = await measureConnector(nginx.base, bigFile, bigSha);
    log(`connector: ${CONCURRENT} concurrent GETs of one uncached file…`);
    r.concurrent = await measureConcurrent(nginx.base, accessLog, 'herd.bin', herd.length, createHash('sha256').update(herd).digest('hex'));
  }
  if (ONLY.has('replication')) {
    log(`replication: ${FILES} files, then ${CHANGED} changed…`);
    r.replication = await measureReplication(await startRemote(databaseUrl));
  }
  if (ONLY.has('webhooks')) {
    log(`webhooks: upload rate with ${WEBHOOKS} webhooks vs none, ${ROUNDS} rounds alternating…`);
    r.webhooks = await measureWebhooks(await startReceiver());
  }
  facts.loadAfter = os.loadavg().map(f2).join(' ');

  const rows = [];
  const add = (measure, value, reference, ratio, goal, result) => rows.push([measure, value, reference, ratio, goal, result]);
  const c = r.connector;
  if (c) {
    const fetchRatio = c.fetch.median / c.upload.median;
    add(`First fetch via connector, ${sizeLabel(BIG)}, MiB/s`, f0(mibps(c.fetch.median)), `single POST ${f0(mibps(c.upload.median))}`,
      f2(fetchRatio), `≥ ${FETCH_GOAL}`, fetchRatio >= FETCH_GOAL ? 'PASS' : 'not met');
    const cachedRatio = c.cached.median / c.local.median;
    add(`Cached fetch, ${sizeLabel(BIG)}, MiB/s`, f0(mibps(c.cached.median)), `local download ${f0(mibps(c.local.median))}`,
      f2(cachedRatio), 'info', 'info');
    add(`${CONCURRENT} concurrent GETs of one uncached file: upstream requests`, String(r.concurrent.upstreamRequests), '', '',
      '1', r.concurrent.upstreamRequests === 1 ? 'PASS' : 'not met');
    add('  all answered in, s', f2(r.concurrent.seconds), '', '', 'info', 'info');
  }
  const rep = r.replication;
  if (rep) {
    add(`Replication, first pull of ${FILES.toLocaleString('en-US')} files, s`, f2(rep.full.seconds),
      `${rep.full.run.copiedFiles} copied`, '', 'info', 'info');
    add(`Replication after ${CHANGED} changed, s`, f2(rep.delta.seconds), `${rep.delta.run.copiedFiles} copied, ${rep.delta.run.skippedFiles} skipped`, '', 'info', 'info');
    add('  bytes the remote sent, KB', f0(rep.delta.remoteSent / 1e3), `changed files ${f0(rep.changedBytes / 1e3)}`,
      f2(rep.delta.remoteSent / rep.changedBytes), '≈ changed + listing', 'info');
  }
  const w = r.webhooks;
  if (w) {
    const hookRatio = w.rates.medians.webhooks / w.rates.medians.none;
    add(`4 KiB uploads/s with ${WEBHOOKS} webhooks`, f0(w.rates.medians.webhooks), `none ${f0(w.rates.medians.none)}`, f2(hookRatio),
      `≥ ${WEBHOOK_GOAL}`, hookRatio >= WEBHOOK_GOAL ? 'PASS' : 'not met');
    add('  CPU per upload, all processes, ms', f2(w.cpuMs.webhooks), `none ${f2(w.cpuMs.none)}`, f2(w.cpuMs.webhooks / w.cpuMs.none), 'info', 'info');
    add('  deliveries still to send when a round ended, share of its deliveries', f2(w.behindAtEnd), '', '', 'info', 'info');
    add('Webhook deliveries/s (signed, to a local receiver)', f0(w.deliveriesPerSecond), `${w.burst} uploads × ${WEBHOOKS}`, '', 'info', 'info');
  }

  console.log(`\nMachine: ${facts.cores} cores (${facts.cpu}), ${facts.memoryGiB} GiB RAM, Node ${facts.node}`);
  console.log(`Server: ${facts.build}; database: ${facts.database}`);
  console.log(`Load average (1, 5, 15 min): ${facts.loadBefore} before, ${facts.loadAfter} after`);
  console.log(`${QUICK ? 'QUICK MODE (checks the script; figures not meaningful): ' : ''}transfers with curl, median of ${ROUNDS} ` +
    `rounds alternating; uploads: ${UPLOAD_CLIENTS} keep-alive clients × ${UPLOAD_SECONDS} s, median of ${WEBHOOK_ROUNDS} rounds after 2 warm-ups\n`);
  console.log(table(['Measure', 'Stockroom', 'Reference', 'Ratio', 'Goal', 'Result'], rows));
  await mkdir(dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, JSON.stringify({ date: new Date().toISOString(), machine: facts, results: r, table: rows }, null, 2));
  log(`results written to ${RESULTS}`);
  await rm(bigFile, { force: true });
}

if (process.argv[2] === 'receiver') runReceiver();
else runBench(main);
