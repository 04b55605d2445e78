// Stockroom WebDAV and share-link benchmark (issue 18), in one run against references from the same run:
// - PROPFIND Depth: 1 on a folder of 100,000 files through /dav/ (goal ≤ 3 s to the last byte; the /endpoints/ listing
//   of the same folder for information);
// - a 1 GiB GET and a 1 GiB PUT through /dav/ against the same through the /endpoints/ API (goal ≥ 0.9 each);
// - 4 KiB GETs under wrk through /dav/ and through a share link /s/{token} against /endpoints/…/content/ (goal ≥ 0.9).
// Usage: node bench/dav.mjs   (see bench/README.md; BENCH_QUICK=1: 10,000 files, 64 MiB, 2 s wrk runs, 2 rounds;
// BENCH_DAV_FILES=<n>, BENCH_DAV_BIG_MIB=<n>, BENCH_DAV_SECONDS=<n>, BENCH_DAV_ROUNDS=<n>, BENCH_DAV_BIG_ROUNDS=<n>)
// Figures, not tests: the exit code is non-zero only when the script itself fails (e.g. a wrong answer).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import {
  GiB, KiB, MiB, ROOT, adminAuthorization, expectBody, expectLargeBody, rotate, adminCurlArgs, api, ctx, curl, describeServerBuild, ensureBuild, ensureTool, insertListingRows, log,
  makeFile, makeTempDir, mb, median, mibps, runBench, setupDatabase, startStockroom, table, wrk,
} from './lib.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const RESULTS = join(ROOT, `dist/bench/dav${QUICK ? '-quick' : ''}.json`);
const FILES = Number(process.env.BENCH_DAV_FILES) || (QUICK ? 10_000 : 100_000);
const BIG = (Number(process.env.BENCH_DAV_BIG_MIB) || (QUICK ? 64 : 1024)) * MiB;
const SECONDS = Number(process.env.BENCH_DAV_SECONDS) || (QUICK ? 2 : 10);
const ROUNDS = Number(process.env.BENCH_DAV_ROUNDS) || (QUICK ? 2 : 3);
const BIG_ROUNDS = Number(process.env.BENCH_DAV_BIG_ROUNDS) || (QUICK ? 2 : 5);
const WARMUP = QUICK ? 1 : 3;
const THREADS = 2;
const CONNECTIONS = 64;
const FEED = 'davbench';
const LIST_FEED = 'davlist';
const PROPFIND_GOAL_S = 3;
const RATIO_GOAL = 0.9;
const SMALL = 4 * KiB;

const sizeLabel = (n) => (n >= GiB ? `${n / GiB} GiB` : n >= MiB ? `${n / MiB} MiB` : `${n / KiB} KiB`);
const BIG_LABEL = sizeLabel(BIG);
const endpointUrl = (feed, path) => `${ctx.base}/endpoints/${feed}/content/${path}`;
const davUrl = (feed, path) => `${ctx.base}/dav/${feed}/${path}`;
const f0 = (x) => (x == null || Number.isNaN(x) ? '' : x.toFixed(0));
const f2 = (x) => (x == null || Number.isNaN(x) ? '' : x.toFixed(2));
const atLeast = (ratio) => (ratio >= RATIO_GOAL ? 'PASS' : 'not met');

// ---------------------------------------------------------------- measurements

/**
 * FILES file rows inserted in SQL into LIST_FEED's root (as bench:hot's listing), then ROUNDS rounds of PROPFIND
 * Depth: 1 on /dav/{LIST_FEED}/ (allprop, as clients without a body ask) alternating with the /endpoints/ dir listing
 * of the same folder, both with a feed key (view) for LIST_FEED; each answer is counted (FILES + 1 <response> elements;
 * FILES entries).
 */
async function measurePropfind(databaseUrl) {
  await api('POST', '/api/management/feeds/create', { name: LIST_FEED, feedType: 'asset' });
  const { key } = await api('POST', '/api/api-keys/create', { type: 'Feed', feed: LIST_FEED, packagePermissions: ['view'] });
  const keyHeader = [`X-ApiKey: ${key}`];
  await insertListingRows(databaseUrl, LIST_FEED, FILES);
  const body = join(ctx.tmp, 'propfind.out');
  const request = join(ctx.tmp, 'propfind.xml');
  await writeFile(request, '<?xml version="1.0" encoding="utf-8"?>\n<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>\n');
  const variants = [
    {
      id: 'propfind', label: 'PROPFIND Depth: 1',
      args: ['-X', 'PROPFIND', '-H', 'Depth: 1', '-H', 'Content-Type: application/xml', '--data-binary', `@${request}`,
        ...keyHeader.flatMap((h) => ['-H', h]), davUrl(LIST_FEED, '')],
      status: [207],
      count: (text) => (text.match(/<(?:[A-Za-z][\w.-]*:)?response[\s>]/g) ?? []).length,
      expected: FILES + 1, // the folder itself and each file
    },
    {
      id: 'endpoints', label: 'GET dir/ (JSON)',
      args: [...keyHeader.flatMap((h) => ['-H', h]), `${ctx.base}/endpoints/${LIST_FEED}/dir/`],
      status: [200],
      count: (text) => JSON.parse(text).length,
      expected: FILES,
    },
  ];
  const runs = { propfind: [], endpoints: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of rotate(variants, round)) {
      const r = await curl([...v.args, '-o', body], v.status);
      const n = v.count(await readFile(body, 'utf8'));
      if (n !== v.expected) throw new Error(`${v.label}: ${n} entries in the answer, expected ${v.expected}`);
      runs[v.id].push({ seconds: r.time_total, firstByte: r.time_starttransfer, bytes: r.size_download });
      log(`  ${v.label} #${round + 1}: ${r.time_total.toFixed(2)} s to the last byte (first byte ${r.time_starttransfer.toFixed(2)} s), ` +
        `${mb(r.size_download).toFixed(1)} MB, ${n} entries`);
    }
  }
  await rm(body, { force: true });
  return Object.fromEntries(Object.entries(runs).map(([id, rs]) => [id, {
    seconds: median(rs.map((r) => r.seconds)), bytes: median(rs.map((r) => r.bytes)), runs: rs,
  }]));
}

/** BIG_ROUNDS downloads of the large file through /endpoints/ and /dav/, alternating; curl to /dev/null. */
async function measureDownloads(variants) {
  const runs = Object.fromEntries(variants.map((v) => [v.id, []]));
  for (let round = 0; round < BIG_ROUNDS; round++) {
    const line = [];
    for (const v of rotate(variants, round)) {
      const r = await curl([...v.headers.flatMap((h) => ['-H', h]), '-o', '/dev/null', v.url], [200]);
      if (r.size_download !== BIG) throw new Error(`download through ${v.label}: ${r.size_download} bytes, expected ${BIG}`);
      runs[v.id].push(r.size_download / r.time_total);
      line.push(`${v.label} ${mibps(r.size_download / r.time_total).toFixed(0)}`);
    }
    log(`  download ${BIG_LABEL} #${round + 1} (MiB/s): ${line.join(', ')}`);
  }
  return Object.fromEntries(variants.map((v) => [v.id, { median: median(runs[v.id]), runs: runs[v.id] }]));
}

/**
 * BIG_ROUNDS uploads of the large file as the admin: `PUT /dav/{feed}/dav-up-N.bin` against
 * `POST /endpoints/{feed}/content/ep-up-N.bin`, alternating; the first of each is checked (size and sha256 from
 * `GET metadata/…`), every upload is deleted after its round.
 */
async function measureUploads(file, sha256) {
  const variants = [
    { id: 'endpoints', label: '/endpoints/ POST', method: 'POST', path: (n) => `ep-up-${n}.bin`, url: (p) => endpointUrl(FEED, p), status: [201] },
    { id: 'dav', label: '/dav/ PUT', method: 'PUT', path: (n) => `dav-up-${n}.bin`, url: (p) => davUrl(FEED, p), status: [201, 204] },
  ];
  const runs = { endpoints: [], dav: [] };
  for (let round = 0; round < BIG_ROUNDS; round++) {
    for (const v of rotate(variants, round)) {
      const path = v.path(round);
      const r = await curl([...adminCurlArgs(), '-X', v.method, '-T', file, '-o', '/dev/null', v.url(path)], v.status);
      if (round === 0) {
        const meta = await api('GET', `/endpoints/${FEED}/metadata/${path}`);
        if (meta.sha256 !== sha256 || Number(meta.size) !== BIG) {
          throw new Error(`${v.label} stored ${meta.size} bytes with sha256 ${meta.sha256}, expected ${BIG} with ${sha256}`);
        }
      }
      runs[v.id].push(r.size_upload / r.time_total);
      await api('DELETE', `/endpoints/${FEED}/content/${path}`);
    }
    log(`  upload ${BIG_LABEL} #${round + 1} (MiB/s): /endpoints/ ${mibps(runs.endpoints[round]).toFixed(0)}, /dav/ ${mibps(runs.dav[round]).toFixed(0)}`);
  }
  return Object.fromEntries(variants.map((v) => [v.id, { median: median(runs[v.id]), runs: runs[v.id] }]));
}

/** wrk on every variant (a warm-up each, then ROUNDS rounds, order rotated); the median round's req/s per variant. */
async function measureSmallGets(variants) {
  log(`4 KiB GETs: warm-up, ${WARMUP} s each…`);
  for (const v of variants) await wrk(v.url, v.headers, WARMUP, { threads: THREADS, connections: CONNECTIONS });
  const runs = Object.fromEntries(variants.map((v) => [v.id, []]));
  for (let round = 0; round < ROUNDS; round++) {
    log(`4 KiB GETs round ${round + 1}/${ROUNDS} (wrk -t${THREADS} -c${CONNECTIONS} -d${SECONDS}s --latency)…`);
    for (const v of rotate(variants, round)) {
      const w = await wrk(v.url, v.headers, SECONDS, { threads: THREADS, connections: CONNECTIONS });
      delete w.raw;
      runs[v.id].push(w);
      log(`  ${v.label}: ${w.rps.toFixed(0)} req/s, p99 ${w.latencyMs.p99?.toFixed(2)} ms${w.non2xx ? `, ${w.non2xx} NON-2XX` : ''}`);
    }
  }
  return Object.fromEntries(variants.map((v) => {
    const rs = runs[v.id];
    const mid = [...rs].sort((a, b) => a.rps - b.rps)[Math.floor(rs.length / 2)];
    const non2xx = rs.reduce((a, r) => a + r.non2xx, 0);
    // wrk prints the bytes read rounded to 3 digits: 1 % of slack, far less than a missing body.
    const short = rs.some((r) => r.bytesPerResponse < 0.99 * SMALL);
    return [v.id, {
      label: v.label, rps: mid.rps, p99: mid.latencyMs.p99, runs: rs.map((r) => r.rps),
      failure: non2xx ? `${non2xx} non-2xx answers` : short ? `answers under ${SMALL} bytes` : undefined,
    }];
  }));
}

/** A share link for `path` (POST /api/shares), or undefined with the reason when the server has none. */
async function createShare(path) {
  const res = await fetch(`${ctx.base}/api/shares`, {
    method: 'POST',
    headers: { Authorization: adminAuthorization(), 'Content-Type': 'application/json' },
    body: JSON.stringify({ feed: FEED, path, expiresInMinutes: 120 }),
  });
  const text = await res.text();
  if (res.status !== 200 && res.status !== 201) {
    log(`POST /api/shares: HTTP ${res.status} ${text.slice(0, 200)}`);
    return { reason: `POST /api/shares: HTTP ${res.status}` };
  }
  const { url } = JSON.parse(text);
  if (typeof url !== 'string') return { reason: `POST /api/shares answered no url: ${text.slice(0, 200)}` };
  return { url: new URL(url, ctx.base).toString() };
}

// ---------------------------------------------------------------- main

async function main() {
  const facts = {
    cores: os.cpus().length, cpu: os.cpus()[0]?.model.trim(), memoryGiB: (os.totalmem() / GiB).toFixed(1),
    node: process.version, loadBefore: os.loadavg().map(f2).join(' '), quick: QUICK,
  };
  await ensureBuild();
  await ensureTool('curl', 'curl');
  await ensureTool('wrk', 'wrk');
  facts.build = await describeServerBuild();

  await makeTempDir();
  const { bavail, bsize } = await statfs(ctx.tmp);
  const need = 4 * BIG + 1e9;
  if (bavail * bsize < need) throw new Error(`only ${((bavail * bsize) / 1e9).toFixed(1)} GB free under /tmp; ${(need / 1e9).toFixed(1)} GB needed`);
  const small = randomBytes(SMALL);
  const smallFile = join(ctx.tmp, 'f.bin');
  await writeFile(smallFile, small);
  const bigFile = join(ctx.tmp, 'big.bin');
  log(`writing the ${BIG_LABEL} test file…`);
  const bigSha = await makeFile(bigFile, BIG);

  const databaseUrl = await setupDatabase();
  facts.database = databaseUrl ? `local PostgreSQL (${ctx.dbName})` : 'embedded PostgreSQL (started by the server)';
  await startStockroom(databaseUrl);

  // A directory with the files, and a feed key (view) that every read sends, through both APIs alike.
  await api('POST', '/api/management/feeds/create', { name: FEED, feedType: 'asset' });
  await curl([...adminCurlArgs(), '-X', 'POST', '-T', smallFile, '-o', '/dev/null', endpointUrl(FEED, 'f.bin')], [201]);
  await curl([...adminCurlArgs(), '-X', 'POST', '-T', bigFile, '-o', '/dev/null', endpointUrl(FEED, 'big.bin')], [201]);
  const { key } = await api('POST', '/api/api-keys/create', { type: 'Feed', feed: FEED, packagePermissions: ['view'] });
  const keyHeader = [`X-ApiKey: ${key}`];

  const r = {};
  log(`PROPFIND on a folder of ${FILES} files…`);
  r.propfind = await measurePropfind(databaseUrl);

  const downloads = [
    { id: 'endpoints', label: '/endpoints/', url: endpointUrl(FEED, 'big.bin'), headers: keyHeader },
    { id: 'dav', label: '/dav/', url: davUrl(FEED, 'big.bin'), headers: keyHeader },
  ];
  log(`${BIG_LABEL} downloads: checking each answer's sha256…`);
  for (const v of downloads) await expectLargeBody(`${v.label} ${BIG_LABEL}`, v.url, v.headers, BIG, bigSha);
  log(`${BIG_LABEL} downloads, ${BIG_ROUNDS} rounds alternating…`);
  r.download = await measureDownloads(downloads);
  log(`${BIG_LABEL} uploads, ${BIG_ROUNDS} rounds alternating…`);
  r.upload = await measureUploads(bigFile, bigSha);

  const share = await createShare('f.bin');
  if (share.reason) log(`no share link (${share.reason}): its line is left out`);
  const gets = [
    { id: 'endpoints', label: '/endpoints/ content', url: endpointUrl(FEED, 'f.bin'), headers: keyHeader },
    { id: 'dav', label: '/dav/', url: davUrl(FEED, 'f.bin'), headers: keyHeader },
    ...(share.url ? [{ id: 'share', label: '/s/{token}', url: share.url, headers: [] }] : []),
  ];
  for (const v of gets) await expectBody(`${v.label} 4 KiB`, v.url, v.headers, small);
  r.gets = await measureSmallGets(gets);
  for (const v of gets) await expectBody(`${v.label} 4 KiB after the runs`, v.url, v.headers, small);
  r.shareMissing = share.reason;
  facts.loadAfter = os.loadavg().map(f2).join(' ');

  // ---------------------------------------------------------------- print and write
  const rows = [];
  const add = (measure, value, reference, ratio, goal, result) => rows.push([measure, value, reference, ratio, goal, result]);
  const p = r.propfind;
  add(`PROPFIND Depth 1, ${FILES.toLocaleString('en-US')} files, s to last byte`, f2(p.propfind.seconds),
    `dir/ JSON ${f2(p.endpoints.seconds)}`, f2(p.propfind.seconds / p.endpoints.seconds), `≤ ${PROPFIND_GOAL_S} s`,
    p.propfind.seconds <= PROPFIND_GOAL_S ? 'PASS' : 'not met');
  add('  bytes sent, MB', f2(mb(p.propfind.bytes)), `dir/ JSON ${f2(mb(p.endpoints.bytes))}`, '', 'info', 'info');
  const d = r.download.dav.median / r.download.endpoints.median;
  add(`${BIG_LABEL} GET, MiB/s (median of ${BIG_ROUNDS})`, f0(mibps(r.download.dav.median)),
    `/endpoints/ ${f0(mibps(r.download.endpoints.median))}`, f2(d), `≥ ${RATIO_GOAL}`, atLeast(d));
  const u = r.upload.dav.median / r.upload.endpoints.median;
  add(`${BIG_LABEL} PUT, MiB/s (median of ${BIG_ROUNDS})`, f0(mibps(r.upload.dav.median)),
    `/endpoints/ POST ${f0(mibps(r.upload.endpoints.median))}`, f2(u), `≥ ${RATIO_GOAL}`, atLeast(u));
  for (const id of ['dav', 'share']) {
    const g = r.gets[id];
    if (!g) {
      add('4 KiB GET via /s/{token}, req/s', 'n/a', r.shareMissing, '', `≥ ${RATIO_GOAL}`, 'not run');
      continue;
    }
    const ratio = g.rps / r.gets.endpoints.rps;
    add(`4 KiB GET via ${g.label}, req/s`, f0(g.rps), `/endpoints/ ${f0(r.gets.endpoints.rps)}`, f2(ratio), `≥ ${RATIO_GOAL}`,
      g.failure ? `FAILED: ${g.failure}` : atLeast(ratio));
    add('  p99 latency, ms', f2(g.p99), `/endpoints/ ${f2(r.gets.endpoints.p99)}`, '', 'info', 'info');
  }
  console.log(`\nMachine: ${facts.cores} cores (${facts.cpu}), ${facts.memoryGiB} GiB RAM, Node ${facts.node}`);
  console.log(`Server: ${facts.build}; database: ${facts.database}`);
  console.log(`Load average (1, 5, 15 min): ${facts.loadBefore} before, ${facts.loadAfter} after`);
  console.log(`${QUICK ? 'QUICK MODE (checks the script; figures not meaningful): ' : ''}PROPFIND and listings: median of ${ROUNDS}, ` +
    `alternating; ${BIG_LABEL} transfers with curl, median of ${BIG_ROUNDS}, alternating; 4 KiB GETs: wrk -t${THREADS} ` +
    `-c${CONNECTIONS} -d${SECONDS}s, median of ${ROUNDS} rounds after a ${WARMUP} s warm-up, feed API key (the share link: no credentials)\n`);
  console.log(table(['Measure', 'Stockroom', 'Reference', 'Ratio', 'Goal', 'Result'], rows));
  await mkdir(dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, JSON.stringify({
    date: new Date().toISOString(), machine: facts,
    settings: { quick: QUICK, files: FILES, bigBytes: BIG, seconds: SECONDS, rounds: ROUNDS, bigRounds: BIG_ROUNDS, warmupSeconds: WARMUP },
    results: r, table: rows,
  }, null, 2));
  log(`results written to ${RESULTS}`);
  const failures = Object.values(r.gets).filter((g) => g.failure);
  if (failures.length) throw new Error(`wrong answers under load: ${failures.map((g) => `${g.label}: ${g.failure}`).join('; ')}`);
}

runBench(main);
