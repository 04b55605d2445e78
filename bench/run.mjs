// Stockroom benchmark: transfers vs nginx / a raw Node server, memory, listing and multipart.
// Usage: node bench/run.mjs   (see bench/README.md)
// Every Stockroom request carries the admin's credentials (Basic); the server starts with a generated
// STOCKROOM_ADMIN_PASSWORD (see lib.mjs).
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import os from 'node:os';
import { dirname, join } from 'node:path';
import {
  GiB, MiB, ROOT, adminAuthorization, adminCurlArgs, api, ctx, curl, currentRss, ensureBuild, ensureTool, log, makeFile, makeTempDir, mb, median, mibps, peakRss, resetPeakRss, run, runBench, setupDatabase, startChild, startNginx, startStockroom, stopChild, table, waitForHttp, waitForLine, insertListingRows,
} from './lib.mjs';

const RESULTS = join(ROOT, process.env.BENCH_QUICK === '1' ? 'dist/bench/results-quick.json' : 'dist/bench/results.json');
const NEED_FOR_5G = 30e9;
const PART_SIZE = 5 * MiB;
const REPS = 3;
// BENCH_QUICK=1: the same steps on small sizes, to check the script itself in a minute.
const QUICK = process.env.BENCH_QUICK === '1';
const SMALL = QUICK ? 64 * MiB : GiB;
const LARGE = 5 * SMALL;
const LIST_COUNT = QUICK ? 10_000 : 100_000;
const sizeLabel = (n) => (n >= GiB ? `${n / GiB} GiB` : `${n / MiB} MiB`);
const S = sizeLabel(SMALL);
const L = sizeLabel(LARGE);

// ---------------------------------------------------------------- setup

async function startRawServer() {
  const dir = join(ctx.tmp, 'raw-uploads');
  await mkdir(dir);
  const child = startChild('raw-upload-server', process.execPath, [join(ROOT, 'bench/raw-upload-server.mjs'), '0', dir], {
    logFile: join(ctx.tmp, 'raw-upload-server.log'),
  });
  const [, port] = await waitForLine(child, /^raw upload server listening on (\d+)$/, 15_000);
  await waitForHttp(`http://127.0.0.1:${port}/`, child, 15_000);
  const clear = async () => Promise.all((await readdir(dir)).map((f) => rm(join(dir, f))));
  return { child, base: `http://127.0.0.1:${port}`, clear };
}

// ---------------------------------------------------------------- measurements

const content = (feed, path) => `${ctx.base}/endpoints/${feed}/content/${path}`;

async function remove(url) {
  const res = await fetch(url, { method: 'DELETE', headers: { Authorization: adminAuthorization() } });
  const text = await res.text();
  if (!res.ok) throw new Error(`DELETE ${url}: HTTP ${res.status} ${text}`);
}

/** Uploads and downloads of one file, alternating Stockroom and its reference; best of `reps`. */
async function measureTransfers({ label, file, size, reps, nginx, raw }) {
  await resetPeak();
  const up = { stockroom: [], raw: [] };
  const down = { stockroom: [], nginx: [] };
  const stored = [];
  for (let i = 0; i < reps; i++) {
    const r = await curl(['-X', 'POST', '-T', file, '-o', '/dev/null', `${raw.base}/upload`], [201]);
    up.raw.push(r.size_upload / r.time_total);
    await raw.clear();
    const path = `transfer/up-${label.replace(' ', '')}-${i}.bin`;
    const s = await curl([...adminCurlArgs(), '-X', 'POST', '-T', file, '-o', '/dev/null', content('bench', path)], [201]);
    up.stockroom.push(s.size_upload / s.time_total);
    stored.push(path);
    log(`  upload ${label} #${i + 1}: raw ${mibps(up.raw[i]).toFixed(0)} MiB/s, Stockroom ${mibps(up.stockroom[i]).toFixed(0)} MiB/s`);
  }
  // Keep one stored copy for the downloads; free the disk of the others.
  for (const path of stored.slice(1)) await remove(content('bench', path));
  for (let i = 0; i < reps; i++) {
    const n = await curl(['-o', '/dev/null', `${nginx.base}/${file.split('/').pop()}`]);
    const s = await curl([...adminCurlArgs(), '-o', '/dev/null', content('bench', stored[0])]);
    for (const r of [n, s]) if (r.size_download !== size) throw new Error(`download of ${label}: got ${r.size_download} bytes, expected ${size}`);
    down.nginx.push(n.speed_download);
    down.stockroom.push(s.speed_download);
    log(`  download ${label} #${i + 1}: nginx ${mibps(n.speed_download).toFixed(0)} MiB/s, Stockroom ${mibps(s.speed_download).toFixed(0)} MiB/s`);
  }
  await remove(content('bench', stored[0]));
  const best = (xs) => Math.max(...xs);
  return {
    upload: { stockroom: best(up.stockroom), raw: best(up.raw), runs: up },
    download: { stockroom: best(down.stockroom), nginx: best(down.nginx), runs: down },
    peakRss: await peakRss(ctx.server.pid),
  };
}

/** Resets the server's VmHWM; where the kernel refuses, restarts the server instead. */
async function resetPeak() {
  if (await resetPeakRss(ctx.server.pid)) return;
  log('cannot reset VmHWM (clear_refs): restarting the server for a fresh peak');
  await stopChild(ctx.server);
  await startStockroom(ctx.databaseUrl);
}

/** Sends one request through `agent`; body is a stream or undefined. */
function send(agent, method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => (res.statusCode < 300 ? resolve(text) : reject(new Error(`${method} ${url}: HTTP ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    if (body) body.on('error', reject).pipe(req);
    else req.end();
  });
}

async function measureMultipart({ file, size, sha256 }) {
  await resetPeak();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const path = 'multipart/mp-large.bin';
  const id = `bench${Date.now()}`;
  const totalParts = Math.ceil(size / PART_SIZE);
  const t0 = performance.now();
  for (let index = 0; index < totalParts; index++) {
    const offset = index * PART_SIZE;
    const partSize = Math.min(PART_SIZE, size - offset);
    const q = `multipart=upload&id=${id}&index=${index}&offset=${offset}&totalSize=${size}&partSize=${partSize}&totalParts=${totalParts}`;
    const body = createReadStream(file, { start: offset, end: offset + partSize - 1 });
    await send(agent, 'POST', `${content('bench', path)}?${q}`, { 'Content-Length': partSize, Authorization: adminAuthorization() }, body);
    if ((index + 1) % 256 === 0) log(`  multipart: ${index + 1}/${totalParts} parts sent`);
  }
  const partsSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  await send(agent, 'POST', `${content('bench', path)}?multipart=complete&id=${id}`, { 'Content-Length': 0, Authorization: adminAuthorization() });
  const completeSeconds = (performance.now() - t1) / 1000;
  agent.destroy();
  const meta = await api('GET', `/endpoints/bench/metadata/${path}`);
  log(`  multipart: parts ${partsSeconds.toFixed(1)} s, complete ${completeSeconds.toFixed(2)} s, sha256 ${meta.sha256 === sha256 ? 'matches' : 'DIFFERS'}`);
  return {
    throughput: size / partsSeconds, partsSeconds, completeSeconds, sha256Match: meta.sha256 === sha256 && Number(meta.size) === size,
    storedSha256: meta.sha256, peakRss: await peakRss(ctx.server.pid),
  };
}

async function measureListing(databaseUrl) {
  await api('POST', '/api/management/feeds/create', { name: 'benchlist', feedType: 'asset' });
  await insertListingRows(databaseUrl, 'benchlist', LIST_COUNT);
  const out = join(ctx.tmp, 'listing.json');
  const runs = [];
  const encoded = { gzip: [], br: [] };
  // Plain, gzip and br alternate (`--compressed` decodes, so every answer is checked whole).
  for (let i = 0; i < REPS; i++) {
    for (const encoding of ['identity', 'gzip', 'br']) {
      const r = await curl([...adminCurlArgs(), '-H', `Accept-Encoding: ${encoding}`, ...(encoding === 'identity' ? [] : ['--compressed']),
        '-o', out, `${ctx.base}/endpoints/benchlist/dir/?recursive=true`]);
      const entries = JSON.parse(await readFile(out, 'utf8'));
      if (!Array.isArray(entries) || entries.length !== LIST_COUNT) {
        throw new Error(`listing (${encoding}) returned ${Array.isArray(entries) ? entries.length : typeof entries} entries, expected ${LIST_COUNT}`);
      }
      const run = { seconds: r.time_total, firstByte: r.time_starttransfer, bytes: r.size_download };
      (encoding === 'identity' ? runs : encoded[encoding]).push(run);
      log(`  listing #${i + 1} ${encoding}: ${r.time_total.toFixed(2)} s (first byte ${r.time_starttransfer.toFixed(2)} s), ${mb(r.size_download).toFixed(1)} MB sent, ${entries.length} entries`);
    }
  }
  const summary = (rs) => ({ seconds: median(rs.map((r) => r.seconds)), bytes: rs[0].bytes, runs: rs });
  return { ...summary(runs), gzip: summary(encoded.gzip), br: summary(encoded.br) };
}

// ---------------------------------------------------------------- report

function report(facts, r) {
  const f1 = (x) => x.toFixed(1);
  const rows = [];
  const add = (figure, value, reference, ratio, goal, met) => rows.push({ figure, value, reference, ratio, goal, met });
  const transfers = (label, t) => {
    add(`Download ${label} (MiB/s, best)`, f1(mibps(t.download.stockroom)), `nginx ${f1(mibps(t.download.nginx))}`,
      t.download.stockroom / t.download.nginx, '≥ 0.80 × nginx', t.download.stockroom >= 0.8 * t.download.nginx);
    add(`Upload ${label}, one POST (MiB/s, best)`, f1(mibps(t.upload.stockroom)), `raw Node ${f1(mibps(t.upload.raw))}`,
      t.upload.stockroom / t.upload.raw, '≥ 0.60 × raw', t.upload.stockroom >= 0.6 * t.upload.raw);
  };
  transfers(S, r.t1);
  if (r.t5) transfers(L, r.t5);
  add(`Peak RSS, ${S} transfers (MB)`, mb(r.t1.peakRss).toFixed(0), `idle ${mb(r.idleRss).toFixed(0)}`, null, '≤ 250 MB', r.t1.peakRss <= 250e6);
  if (r.t5) {
    const ratio = r.t5.peakRss / r.t1.peakRss;
    add(`Peak RSS, ${L} transfers (MB)`, mb(r.t5.peakRss).toFixed(0), `${S} ${mb(r.t1.peakRss).toFixed(0)}`, ratio,
      `≤ 250 MB, ≤ 1.10 × ${S}`, r.t5.peakRss <= 250e6 && ratio <= 1.1);
  }
  if (r.mp) {
    add(`Peak RSS, ${L} multipart (MB)`, mb(r.mp.peakRss).toFixed(0), `idle ${mb(r.idleRss).toFixed(0)}`, null, '≤ 250 MB', r.mp.peakRss <= 250e6);
  }
  add(`Listing ${LIST_COUNT} files, recursive (s, median)`, r.list.seconds.toFixed(2), `${mb(r.list.bytes).toFixed(1)} MB`, null, '≤ 2 s', r.list.seconds <= 2);
  for (const encoding of ['gzip', 'br']) {
    const l = r.list[encoding];
    add(`Listing ${LIST_COUNT} files, ${encoding} (s, median)`, l.seconds.toFixed(2), `${mb(l.bytes).toFixed(1)} MB sent`,
      l.bytes / r.list.bytes, '≤ 2 s', l.seconds <= 2);
  }
  if (r.mp) {
    const ref = r.t5?.upload.raw;
    add(`Multipart ${L} in 5 MiB parts (MiB/s)`, f1(mibps(r.mp.throughput)), ref ? `raw Node ${f1(mibps(ref))}` : '',
      ref ? r.mp.throughput / ref : null, '(info)', null);
    add('Multipart complete call (s)', r.mp.completeSeconds.toFixed(2), '', null, '≤ 2 s', r.mp.completeSeconds <= 2);
    add('Multipart stored sha256 = file sha256', r.mp.sha256Match ? 'yes' : 'NO', '', null, 'match', r.mp.sha256Match);
  }
  const text = table(
    ['Figure', 'Stockroom', 'Reference', 'Ratio', 'Goal', 'Met'],
    rows.map((x) => [x.figure, x.value, x.reference, x.ratio == null ? '' : x.ratio.toFixed(2), x.goal, x.met == null ? '' : x.met ? 'yes' : 'NO']),
  );
  console.log(`\nMachine: ${facts.cores} cores (${facts.cpu}), ${facts.memoryGiB} GiB RAM, Node ${facts.node}, ${facts.os}, ${facts.curl}, ${facts.nginx}`);
  console.log(`Database: ${facts.database}; 1-min load average before the run ${facts.loadBefore} (other work skews the figures)\n`);
  console.log(text);
  if (r.skipped) console.log(`\n${r.skipped}`);
  return rows;
}

// ---------------------------------------------------------------- main

async function main() {
  const facts = {
    cores: os.cpus().length, cpu: os.cpus()[0]?.model.trim(), memoryGiB: (os.totalmem() / GiB).toFixed(1),
    node: process.version, os: `${os.type()} ${os.release()}`, loadBefore: os.loadavg()[0].toFixed(2),
  };
  await ensureBuild();
  await ensureTool('curl', 'curl');
  await ensureTool('nginx', 'nginx-light');
  facts.curl = (await run('curl', ['--version'])).stdout.split(' ').slice(0, 2).join(' ');
  facts.nginx = (await run('nginx', ['-v'])).stderr.trim().replace('nginx version: ', '');

  await makeTempDir(); // readable by nginx workers and an embedded PostgreSQL, which run as other users
  const files = join(ctx.tmp, 'files');
  await mkdir(files, { mode: 0o755 });
  await writeFile(join(files, 'ready.txt'), 'ok');
  const { bavail, bsize } = await statfs(ctx.tmp);
  const free = bavail * bsize;
  log(`temp dir ${ctx.tmp}, ${(free / 1e9).toFixed(0)} GB free`);
  if (free < 8e9) throw new Error(`only ${(free / 1e9).toFixed(1)} GB free under /tmp; at least 8 GB are needed`);
  const with5g = free >= NEED_FOR_5G;
  const r = {};
  if (!with5g) r.skipped = `${L} cases skipped: ${(free / 1e9).toFixed(1)} GB free under /tmp, ${NEED_FOR_5G / 1e9} GB needed.`;

  log('generating test files…');
  const f1 = join(files, 'small.bin');
  const f5 = join(files, 'large.bin');
  await makeFile(f1, SMALL);
  const sha5 = with5g ? await makeFile(f5, LARGE) : undefined;
  log(`test files ready${with5g ? '' : ` (${L} skipped)`}`);

  const databaseUrl = await setupDatabase();
  facts.database = databaseUrl ? `local PostgreSQL (${ctx.dbName})` : 'embedded PostgreSQL (started by the server)';
  await startStockroom(databaseUrl);
  await api('POST', '/api/management/feeds/create', { name: 'bench', feedType: 'asset' });
  const nginx = await startNginx(files);
  const raw = await startRawServer();
  r.idleRss = await currentRss(ctx.server.pid);

  log(`${S} transfers (best of ${REPS}, alternating)…`);
  r.t1 = await measureTransfers({ label: S, file: f1, size: SMALL, reps: REPS, nginx, raw });
  if (with5g) {
    log(`${L} transfers (one run each)…`);
    r.t5 = await measureTransfers({ label: L, file: f5, size: LARGE, reps: 1, nginx, raw });
    log(`multipart upload of ${L} in 5 MiB parts…`);
    r.mp = await measureMultipart({ file: f5, size: LARGE, sha256: sha5 });
  }
  log(`listing ${LIST_COUNT} files…`);
  r.list = await measureListing(databaseUrl);

  await stopChild(nginx.child);
  await stopChild(raw.child);
  const rows = report(facts, r);
  await mkdir(dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, JSON.stringify({ date: new Date().toISOString(), machine: facts, rows, details: r }, null, 2));
  console.log(`\nResults written to ${RESULTS}`);
}

await runBench(main);
