// Stockroom retention benchmark: preview and apply of retention rules on a directory of 1,000,000 files of which
// 100,000 match (disk storage), how long until their blobs are gone, and what download tracking costs.
// Usage: node bench/retention.mjs   (see bench/README.md; BENCH_QUICK=1: 100,000 files, 10,000 match)
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import {
  GiB, KiB, ROOT, adminAuthorization, adminCurlArgs, api, cpuSnapshot, cpuUsage, ctx, curl, ensureBuild, ensureTool, log, makeTempDir, median, run, runBench, serverDatabaseUrl, setupDatabase, sleep, startStockroom, stopChild, table, wrk, describeServerBuild,
} from './lib.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const RESULTS = join(ROOT, QUICK ? 'dist/bench/retention-results-quick.json' : 'dist/bench/retention-results.json');
const BIG = 'big';
const FOLDERS = QUICK ? 100 : 1000;
const PER_FOLDER = 1000;
const TOTAL = FOLDERS * PER_FOLDER;
const EVERY = 10; // every 10th file is `*.tmp`, 60 days old: the rules select it
const SELECTED = TOTAL / EVERY;
const BLOB = Buffer.from('stockroom bench\n'); // 16 bytes per blob
const WRITE_CONCURRENCY = 64;
const RULES = [{ deletePackageIds: ['*.tmp'], deleteOlderThanDays: 30 }];
const PREVIEW_GOAL_S = 30;
const APPLY_GOAL_S = 60;
const BLOBS_GONE_TIMEOUT_MS = 15 * 60_000;
// Downloads: a small directory of its own, one 4 KiB file, wrk as in bench/auth.mjs.
const DL = 'dl';
const DL_PATH = 'track/file-4k.bin';
const FILE_SIZE = 4 * KiB;
const THREADS = 2;
const CONNECTIONS = 64;
const DURATION = Number(process.env.BENCH_RETENTION_SECONDS) || (QUICK ? 3 : 10);
const WARMUP = QUICK ? 1 : 3;
const ROUNDS = QUICK ? 2 : 3; // per mode; the modes alternate, the first mode swaps each round
const RATIO_GOAL = 0.95;
/** How far the counter may be from wrk's count (requests in flight when wrk stops are served but not counted by wrk). */
const COUNT_SLACK = CONNECTIONS * 2;
const OTHER_LOAD_LIMIT = 25;

const dirName = (d) => `d${String(d).padStart(3, '0')}`;
const fileStem = (f) => `f${String(f).padStart(3, '0')}`;
const seconds = (t0) => (performance.now() - t0) / 1000;

// ---------------------------------------------------------------- setup of the big directory

/** Folder rows, then file rows in statements of 100 folders, all in SQL; returns the seconds taken. */
async function insertRows(db, feedId) {
  const t0 = performance.now();
  await db.query(
    `INSERT INTO asset_items (feed_id, path, path_lower, parent_lower, name, name_lower, kind, created_at, modified_at)
     SELECT $1, n, n, '', n, n, 'dir', now(), now()
     FROM (SELECT 'd' || lpad(d::text, 3, '0') AS n FROM generate_series(0, $2::int - 1) AS d) AS s`,
    [feedId, FOLDERS],
  );
  for (let from = 0; from < FOLDERS; from += 100) {
    const to = Math.min(FOLDERS, from + 100) - 1;
    await db.query(
      `INSERT INTO asset_items (feed_id, path, path_lower, parent_lower, name, name_lower, kind, size, media_type, blob_key,
         md5, sha1, sha256, created_at, modified_at)
       SELECT $1, dn || '/' || fn, dn || '/' || fn, dn, fn, fn, 'file', $4, 'application/octet-stream',
         'blobs/bench/' || dn || '/' || stem, md5(dn || fn), left(md5(dn || fn) || md5(fn), 40), md5(dn || fn) || md5(fn || dn), ts, ts
       FROM (SELECT 'd' || lpad(d::text, 3, '0') AS dn, 'f' || lpad(f::text, 3, '0') AS stem,
               'f' || lpad(f::text, 3, '0') || CASE WHEN f % ${EVERY} = 0 THEN '.tmp' ELSE '.bin' END AS fn,
               CASE WHEN f % ${EVERY} = 0 THEN now() - interval '60 days' ELSE now() END AS ts
             FROM generate_series($2::int, $3::int) AS d, generate_series(0, ${PER_FOLDER - 1}) AS f) AS s`,
      [feedId, from, to, BLOB.length],
    );
    log(`  rows: folders ${dirName(from)}…${dirName(to)} inserted`);
  }
  await db.query('ANALYZE asset_items');
  return seconds(t0);
}

/** One 16-byte blob per file row at `<root>/blobs/bench/dNNN/fNNN`, WRITE_CONCURRENCY writes at a time. */
async function writeBlobs(root) {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= TOTAL) return;
      const d = Math.floor(i / PER_FOLDER);
      const f = i % PER_FOLDER;
      if (f === 0 && i > 0 && d % 100 === 0) log(`  blobs: ${i} written`);
      await writeFile(join(root, 'blobs/bench', dirName(d), fileStem(f)), BLOB);
    }
  };
  for (let d = 0; d < FOLDERS; d++) await mkdir(join(root, 'blobs/bench', dirName(d)), { recursive: true });
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));
  return seconds(t0);
}

// ---------------------------------------------------------------- where the database time goes

/**
 * Runs `fn` while sampling pg_stat_activity of the server's database every 250 ms on a connection of its own;
 * returns fn's result and the most frequent active statements (first 100 characters, with the wait event or
 * "CPU") with their share of the samples.
 */
async function withActivity(fn) {
  const probe = new pg.Client({ connectionString: await serverDatabaseUrl(ctx.databaseUrl) });
  await probe.connect();
  const dbName = (await probe.query('SELECT current_database() AS d')).rows[0].d;
  let stop = false;
  let samples = 0;
  const seen = new Map();
  const loop = (async () => {
    while (!stop) {
      const { rows } = await probe.query(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS wait, left(regexp_replace(query, '\\s+', ' ', 'g'), 100) AS q
         FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()`,
        [dbName],
      ).catch(() => ({ rows: [] }));
      samples++;
      for (const row of rows) {
        const key = `${row.q} [${row.wait}]`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      await sleep(250);
    }
  })();
  try {
    const result = await fn();
    stop = true;
    await loop;
    const top = [...seen.entries()].sort((x, y) => y[1] - x[1]).slice(0, 6).map(([what, k]) => ({ what, share: k / Math.max(1, samples) }));
    return { result, activity: { samples, top } };
  } finally {
    stop = true;
    await loop;
    await probe.end();
  }
}

// ---------------------------------------------------------------- the retention figures

async function measureRetention(db, facts) {
  const r = {};
  await api('POST', '/api/management/feeds/create', { name: BIG, feedType: 'asset' });
  await api('POST', `/api/management/feeds/update/${BIG}`, { retentionRules: RULES });
  const { rows: [feed] } = await db.query(`SELECT id FROM feeds WHERE name_lower = $1`, [BIG]);
  const root = join(ctx.tmp, 'stockroom-data/storage', `feed-${feed.id}`);

  log(`inserting ${FOLDERS} folder rows and ${TOTAL} file rows…`);
  r.insertSeconds = await insertRows(db, feed.id);
  log(`  ${r.insertSeconds.toFixed(1)} s`);
  log(`writing ${TOTAL} blobs of ${BLOB.length} bytes under ${root}…`);
  r.blobSeconds = await writeBlobs(root);
  log(`  ${r.blobSeconds.toFixed(1)} s`);

  // Preview: the frozen list of candidates, first 100 in the answer.
  log('preview…');
  const wanted = { pids: { server: ctx.server.pid }, comms: ['postgres'] };
  let before = await cpuSnapshot();
  const pv = await withActivity(() => timedCall('POST', `/api/retention/${BIG}/preview?limit=100`));
  let after = await cpuSnapshot();
  const preview = pv.result.value;
  r.preview = {
    seconds: pv.result.seconds, totals: preview.totals, firstPage: preview.files?.length, activity: pv.activity,
    cpu: await cpuUsage(before, after, wanted),
  };
  r.preview.ok = preview.totals?.files === SELECTED && preview.totals?.scannedFiles === TOTAL && preview.files?.length === 100 &&
    preview.files.every((f) => /\.tmp$/.test(f.path ?? f.name ?? ''));
  log(`  ${r.preview.seconds.toFixed(2)} s: totals ${JSON.stringify({ files: preview.totals?.files, scannedFiles: preview.totals?.scannedFiles, bytes: preview.totals?.bytes })}`);
  if (!r.preview.ok) log(`  PREVIEW CHECK FAILED: expected files ${SELECTED}, scannedFiles ${TOTAL}, 100 *.tmp entries; first: ${JSON.stringify(preview.files?.[0])}`);

  log('GET the whole preview…');
  const full = await timedCall('GET', `/api/retention/previews/${preview.id}`);
  const listed = full.value.files ?? [];
  r.previewList = {
    seconds: full.seconds, bytes: full.bytes, entries: listed.length,
    ok: listed.length === SELECTED && new Set(listed.map((f) => f.path)).size === SELECTED && listed.every((f) => /\.tmp$/.test(f.path ?? '')),
  };
  log(`  ${full.seconds.toFixed(2)} s, ${(full.bytes / 1e6).toFixed(1)} MB, ${listed.length} entries`);

  // Apply with wait=true: the answer comes when the run is over; the blobs go afterwards (queue + sweeper).
  log('apply (wait=true)…');
  before = await cpuSnapshot();
  const ap = await withActivity(() => timedCall('POST', `/api/retention/${BIG}/apply?wait=true`, { previewId: preview.id }));
  after = await cpuSnapshot();
  const applied = ap.result.value;
  const appliedAt = performance.now();
  r.apply = {
    seconds: ap.result.seconds, run: { ...applied, log: undefined, files: undefined }, activity: ap.activity,
    cpu: await cpuUsage(before, after, wanted),
  };
  r.apply.ok = applied.state === 'completed' && applied.deletedFiles === SELECTED;
  log(`  ${r.apply.seconds.toFixed(2)} s: state ${applied.state}, deleted ${applied.deletedFiles}, skipped ${applied.skippedFiles}, ` +
    `freed ${applied.freedBytes} B, folders removed ${applied.foldersRemoved}`);

  log('waiting for the blob queue to drain…');
  let queued;
  for (;;) {
    queued = Number((await db.query('SELECT count(*) AS n FROM blob_deletions')).rows[0].n);
    if (queued === 0) break;
    if (performance.now() - appliedAt > BLOBS_GONE_TIMEOUT_MS) break;
    await sleep(250);
  }
  r.blobsGone = { afterAnswerSeconds: seconds(appliedAt), afterApplyStartSeconds: seconds(appliedAt) + r.apply.seconds, queueLeft: queued };
  log(`  queue empty ${r.blobsGone.afterAnswerSeconds.toFixed(1)} s after the answer${queued ? ` (GAVE UP with ${queued} queued)` : ''}`);

  // Exactly the selected files are gone: rows and blob files; the others remain.
  log('checking rows and blobs…');
  const { rows: [counts] } = await db.query(
    `SELECT count(*) FILTER (WHERE kind = 'file') AS files, count(*) FILTER (WHERE kind = 'file' AND name_lower LIKE '%.tmp') AS tmp,
       count(*) FILTER (WHERE kind = 'dir') AS dirs FROM asset_items WHERE feed_id = $1`,
    [feed.id],
  );
  const missing = [];
  const extra = [];
  for (let d = 0; d < FOLDERS; d++) {
    const names = new Set(await readdir(join(root, 'blobs/bench', dirName(d))).catch(() => []));
    for (let f = 0; f < PER_FOLDER; f++) {
      const want = f % EVERY !== 0;
      if (want && !names.has(fileStem(f))) missing.push(`${dirName(d)}/${fileStem(f)}`);
      if (!want && names.has(fileStem(f))) extra.push(`${dirName(d)}/${fileStem(f)}`);
    }
  }
  r.check = {
    rowsFiles: Number(counts.files), rowsTmp: Number(counts.tmp), rowsDirs: Number(counts.dirs),
    blobsMissing: missing.length, blobsLeftOver: extra.length, examples: [...missing.slice(0, 3), ...extra.slice(0, 3)],
  };
  r.check.ok = r.check.rowsFiles === TOTAL - SELECTED && r.check.rowsTmp === 0 && r.check.rowsDirs === FOLDERS && !missing.length && !extra.length;
  log(`  rows: ${counts.files} files (${counts.tmp} *.tmp), ${counts.dirs} folders; blobs: ${missing.length} missing, ${extra.length} left over`);
  facts.bigFeedId = feed.id;
  return r;
}

/**
 * A JSON call as the admin through curl (no client-side timeout: fetch gives up on headers after 300 s);
 * returns the parsed answer, curl's time_total and the answer's size. Throws unless HTTP 200.
 */
async function timedCall(method, path, body) {
  const out = join(ctx.tmp, 'answer.json');
  const args = [...adminCurlArgs(), '-X', method, '-o', out];
  if (body) args.push('-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body));
  let r;
  try {
    r = await curl([...args, `${ctx.base}${path}`], [200]);
  } catch (e) {
    throw new Error(`${e.message}: ${(await readFile(out, 'utf8').catch(() => '')).slice(0, 500)}`);
  }
  return { value: JSON.parse(await readFile(out, 'utf8')), seconds: r.time_total, bytes: r.size_download };
}

// ---------------------------------------------------------------- download tracking on / off

const downloadCount = async () => Number((await api('GET', `/endpoints/${DL}/metadata/${DL_PATH}`)).downloadCount);

async function restart(track) {
  if (ctx.server) await stopChild(ctx.server);
  await startStockroom(ctx.databaseUrl, { STOCKROOM_TRACK_DOWNLOADS: String(track) });
}

async function measureDownloads(facts) {
  const file = randomBytes(FILE_SIZE);
  await api('POST', '/api/management/feeds/create', { name: DL, feedType: 'asset' });
  const url = `${ctx.base}/endpoints/${DL}/content/${DL_PATH}`;
  const up = await fetch(url, { method: 'POST', headers: { Authorization: adminAuthorization() }, body: file });
  if (up.status !== 201) throw new Error(`upload: HTTP ${up.status} ${await up.text()}`);
  await up.arrayBuffer();
  // Anonymous reads, so the figure is the tracking's cost and not the credential check's.
  await api('POST', '/api/security/privileges', { principalType: 'pseudo', principalName: 'Anonymous', role: 'View & Download', feed: DL, deny: false });

  const runs = { on: [], off: [] };
  const counts = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
      await restart(mode === 'on');
      const target = `${ctx.base}/endpoints/${DL}/content/${DL_PATH}`;
      const res = await fetch(target);
      const body = Buffer.from(await res.arrayBuffer());
      if (res.status !== 200 || !body.equals(file)) throw new Error(`anonymous GET: HTTP ${res.status}, ${body.length} bytes`);
      await wrk(target, [], WARMUP, { threads: THREADS, connections: CONNECTIONS });
      await sleep(2000); // the warm-up's counts are flushed before the "before" figure
      const countBefore = await downloadCount();
      const before = await cpuSnapshot();
      const w = await wrk(target, [], DURATION, { threads: THREADS, connections: CONNECTIONS });
      const after = await cpuSnapshot();
      const cpu = await cpuUsage(before, after, { pids: { server: ctx.server.pid }, comms: ['postgres'] });
      cpu.wrk = (100 * w.wrkCpuSeconds) / ((after.at - before.at) / 1000);
      cpu.other = Math.max(0, cpu.machine - cpu.server - cpu.postgres - cpu.wrk);
      await sleep(2000); // the counter writes once a second
      const countAfter = await downloadCount();
      const grew = countAfter - countBefore;
      const expected = mode === 'on' ? w.requests : 0;
      const countOk = mode === 'on' ? Math.abs(grew - w.requests) <= COUNT_SLACK : grew === 0;
      counts.push({ mode, round: round + 1, requests: w.requests, grew, ok: countOk });
      const { raw: _raw, ...rest } = w;
      runs[mode].push({ ...rest, cpu, countGrew: grew });
      log(`  tracking ${mode}, round ${round + 1}: ${w.rps.toFixed(0)} req/s, p99 ${w.latencyMs.p99?.toFixed(2)} ms` +
        `${w.non2xx ? `, ${w.non2xx} NON-2XX` : ''}; downloadCount +${grew} (wrk ${expected})${countOk ? '' : ' MISMATCH'}; ` +
        `CPU % of a core: server ${cpu.server.toFixed(0)}, postgres ${cpu.postgres.toFixed(0)}, wrk ${cpu.wrk.toFixed(0)}, other ${cpu.other.toFixed(0)}`);
    }
  }
  const sum = (mode) => {
    const rs = runs[mode];
    return {
      rps: median(rs.map((x) => x.rps)), runs: rs.map((x) => x.rps), p99: median(rs.map((x) => x.latencyMs.p99)),
      non2xx: rs.reduce((a, x) => a + x.non2xx, 0), bytesPerResponse: median(rs.map((x) => x.bytesPerResponse)),
      cpu: Object.fromEntries(Object.keys(rs[0].cpu).map((k) => [k, median(rs.map((x) => x.cpu[k]))])),
    };
  };
  const on = sum('on');
  const off = sum('off');
  facts.downloads = `wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s --latency, ${ROUNDS} rounds per mode alternating (server restarted for each run, ${WARMUP} s warm-up), ${FILE_SIZE}-byte file, anonymous`;
  return { on, off, ratio: on.rps / off.rps, counts, countsOk: counts.every((c) => c.ok), runs };
}

// ---------------------------------------------------------------- main

async function main() {
  const t0 = performance.now();
  const facts = {
    cores: os.cpus().length, cpu: os.cpus()[0]?.model.trim(), memoryGiB: (os.totalmem() / GiB).toFixed(1),
    node: process.version, os: `${os.type()} ${os.release()}`, loadBefore: os.loadavg()[0].toFixed(2),
  };
  await ensureBuild();
  await ensureTool('curl', 'curl');
  await ensureTool('wrk', 'wrk');
  facts.wrk = (await run('wrk', ['-v'])).stdout.split('\n')[0].replace(/ Copyright.*/, '').trim() || 'wrk';
  facts.build = await describeServerBuild(); // which server was measured

  await makeTempDir();
  const databaseUrl = await setupDatabase();
  facts.database = databaseUrl ? `local PostgreSQL (${ctx.dbName})` : 'embedded PostgreSQL (started by the server)';
  ctx.databaseUrl = databaseUrl;
  await startStockroom(databaseUrl, { STOCKROOM_TRACK_DOWNLOADS: 'true' });
  await api('POST', '/api/retention/settings', { schedule: '' }); // no scheduled run in the middle of the figures

  // Downloads first, on a small database: the big delete's autovacuum and blob sweep would skew them.
  log('downloads with tracking on / off…');
  const downloads = await measureDownloads(facts);
  await restart(true);

  const db = new pg.Client({ connectionString: await serverDatabaseUrl(databaseUrl) });
  await db.connect();
  let ret;
  try {
    ret = await measureRetention(db, facts);
  } finally {
    await db.end();
  }
  facts.loadAfter = os.loadavg()[0].toFixed(2);
  const totalSeconds = seconds(t0);

  // ---------------------------------------------------------------- report
  const f0 = (x) => (x == null || Number.isNaN(x) ? '' : x.toFixed(0));
  const f1 = (x) => (x == null || Number.isNaN(x) ? '' : x.toFixed(1));
  const f2 = (x) => (x == null || Number.isNaN(x) ? '' : x.toFixed(2));
  const yes = (b) => (b ? 'yes' : 'NO');
  const cpuText = (c) => `node ${f0(c.server)}, pg ${f0(c.postgres)}, machine ${f0(c.machine)}/${facts.cores * 100}`;
  const n = (x) => x.toLocaleString('en-US');
  const rows = [
    [`Setup: ${n(TOTAL + FOLDERS)} rows inserted in SQL (s)`, f1(ret.insertSeconds), '', '(setup)', ''],
    [`Setup: ${n(TOTAL)} blobs of ${BLOB.length} B written (s)`, f1(ret.blobSeconds), '', '(setup)', ''],
    [`Preview, ${n(TOTAL)} files, ${n(SELECTED)} match (s)`, f2(ret.preview.seconds), cpuText(ret.preview.cpu), `≤ ${PREVIEW_GOAL_S} s`,
      ret.preview.ok ? yes(ret.preview.seconds <= PREVIEW_GOAL_S) : 'NO (totals wrong)'],
    [`GET previews/{id}, ${n(ret.previewList.entries)} entries (s)`, f2(ret.previewList.seconds), `${(ret.previewList.bytes / 1e6).toFixed(1)} MB`, '(info)',
      ret.previewList.ok ? 'count ok' : `NO (expected ${n(SELECTED)})`],
    ['Apply, wait=true, disk storage (s)', f2(ret.apply.seconds), cpuText(ret.apply.cpu), `≤ ${APPLY_GOAL_S} s`,
      ret.apply.ok ? yes(ret.apply.seconds <= APPLY_GOAL_S) : `NO (${ret.apply.run.state}, deleted ${ret.apply.run.deletedFiles})`],
    ['Blobs gone: queue empty after the answer (s)', f1(ret.blobsGone.afterAnswerSeconds), `${f1(ret.blobsGone.afterApplyStartSeconds)} s after the POST`, '(info)',
      ret.blobsGone.queueLeft ? `NO (${ret.blobsGone.queueLeft} queued)` : ''],
    [`Exactly the ${n(SELECTED)} gone, ${n(TOTAL - SELECTED)} remain`, `${n(ret.check.rowsFiles)} rows, ${ret.check.blobsMissing}+${ret.check.blobsLeftOver} blob errs`,
      `${ret.check.rowsTmp} *.tmp rows, ${ret.check.rowsDirs} folders`, 'rows & blobs', yes(ret.check.ok)],
    ['Downloads, tracking on (req/s, median)', f0(downloads.on.rps), downloads.on.runs.map(f0).join(' / '), '', downloads.on.non2xx ? `NO (${downloads.on.non2xx} non-2xx)` : ''],
    ['Downloads, tracking off (req/s, median)', f0(downloads.off.rps), downloads.off.runs.map(f0).join(' / '), '', downloads.off.non2xx ? `NO (${downloads.off.non2xx} non-2xx)` : ''],
    ['Downloads on / off', downloads.ratio.toFixed(3), `p99 ${f2(downloads.on.p99)} / ${f2(downloads.off.p99)} ms`, `≥ ${RATIO_GOAL}`, yes(downloads.ratio >= RATIO_GOAL)],
    ['downloadCount grew by wrk\'s requests (on; 0 off)', downloads.counts.map((c) => `${c.mode} +${c.grew}/${c.requests}`).join(', '), '', `±${COUNT_SLACK}`, yes(downloads.countsOk)],
  ];
  const skewed = [downloads.on, downloads.off].some((x) => x.cpu.other > OTHER_LOAD_LIMIT);

  console.log(`\nMachine: ${facts.cores} cores (${facts.cpu}), ${facts.memoryGiB} GiB RAM, Node ${facts.node}, ${facts.os}, ${facts.wrk}`);
  console.log(`Server: ${facts.build}`);
  console.log(`Database: ${facts.database}; 1-min load average before ${facts.loadBefore}, after ${facts.loadAfter}`);
  console.log(`Retention: ${FOLDERS} folders × ${PER_FOLDER} files, every ${EVERY}th *.tmp and 60 days old; rules ${JSON.stringify(RULES)}`);
  console.log(`Downloads: ${facts.downloads}${skewed ? `; OTHER LOAD above ${OTHER_LOAD_LIMIT} % of a core: skewed` : ''}\n`);
  console.log(table(['Figure', 'Value', 'Detail (CPU in % of one core)', 'Goal', 'Met'], rows));
  for (const [label, a] of [['preview', ret.preview.activity], ['apply', ret.apply.activity]]) {
    if (!a.top.length) continue;
    console.log(`\nActive statements during the ${label} (pg_stat_activity every 250 ms, ${a.samples} samples, share of samples):`);
    for (const t of a.top) console.log(`  ${(100 * t.share).toFixed(0).padStart(3)} %  ${t.what}`);
  }
  console.log(`\nTotal run time ${f0(totalSeconds)} s`);

  await mkdir(dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, JSON.stringify({
    date: new Date().toISOString(), machine: facts, totalSeconds,
    settings: { folders: FOLDERS, perFolder: PER_FOLDER, total: TOTAL, selected: SELECTED, rules: RULES, threads: THREADS,
      connections: CONNECTIONS, seconds: DURATION, warmupSeconds: WARMUP, rounds: ROUNDS, fileSize: FILE_SIZE },
    rows, retention: ret, downloads,
  }, null, 2));
  console.log(`Results written to ${RESULTS}`);
  const failed = [
    !ret.preview.ok && 'preview totals', !ret.previewList.ok && 'preview list', !ret.apply.ok && 'apply run',
    !ret.check.ok && 'rows/blobs after apply', ret.blobsGone.queueLeft && 'blob queue not drained',
    !downloads.countsOk && 'downloadCount', (downloads.on.non2xx || downloads.off.non2xx) && 'non-2xx downloads',
  ].filter(Boolean);
  if (failed.length) throw new Error(`checks failed: ${failed.join('; ')}`);
}

await runBench(main);
