// Stockroom move benchmark (issue 17), four figures in one run:
// - rename a folder of 100,000 files (goal ≤ 5 s) and copy it within one storage (goal ≤ 10 s), each one HTTP call timed
//   to its answer; the result is checked (counts, a listing);
// - the 4 KiB upload rate of overwrites into a directory with file history on (keep 10) against one with it off
//   (goal ≥ 0.95), and of new files into a directory with a quota against one without (goal ≥ 0.95): keep-alive clients,
//   rounds alternating, medians. Every upload must answer 201; at the end the history directory must hold versions (and
//   the other none), and each directory's quotaUsedBytes must equal the bytes of its files.
// Usage: node bench/moves.mjs   (see bench/README.md; BENCH_QUICK=1: 10,000 files, 3 rounds of 2 s;
// BENCH_UPLOAD_SECONDS=<n>, BENCH_UPLOAD_ROUNDS=<n>, BENCH_UPLOAD_CLIENTS=<n> set the upload rounds)
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import os from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import {
  GiB, ROOT, adminAuthorization, alternatingRates, api, ctx, describeServerBuild, ensureBuild, log, makeTempDir,
  postContent, runBench, serverDatabaseUrl, setupDatabase, startStockroom, table, uploadRound,
} from './lib.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const RESULTS = join(ROOT, QUICK ? 'dist/bench/moves-results-quick.json' : 'dist/bench/moves-results.json');
const FEED = 'moves';
const FOLDERS = QUICK ? 10 : 100;
const PER_FOLDER = 1000;
const TOTAL = FOLDERS * PER_FOLDER;
const RENAME_GOAL_S = 5;
const COPY_GOAL_S = 10;
const RATIO_GOAL = 0.95;
const SECONDS = Number(process.env.BENCH_UPLOAD_SECONDS) || (QUICK ? 2 : 5);
const ROUNDS = Number(process.env.BENCH_UPLOAD_ROUNDS) || (QUICK ? 3 : 6);
const CLIENTS = Number(process.env.BENCH_UPLOAD_CLIENTS) || 8;
const SIZE = 4096;
/** Paths each client overwrites in turn (created before the rounds), in the history directories. */
const PATHS_PER_CLIENT = 25;
const HISTORY = { enabled: true, keep: 10, keepDays: 0 };
const QUOTA = 2 ** 40; // 1 TiB: checked on every upload, never reached
const DIRS = { noQuota: 'noquota', quota: 'withquota', own: 'own', historyOff: 'nohistory', historyOn: 'withhistory' };
const seconds = (t0) => (performance.now() - t0) / 1000;
const f0 = (x) => x.toFixed(0);
const f2 = (x) => x.toFixed(2);
const f3 = (x) => x.toFixed(3);
const load = () => os.loadavg().map(f2).join(' ');

/**
 * `tree/` with FOLDERS sub-folders of PER_FOLDER file rows each, inserted in SQL (made-up hashes; the blobs are
 * never read: within one storage neither a move nor a copy touches bytes).
 */
async function seed(db, feedId) {
  await db.query(
    `INSERT INTO asset_items (feed_id, path, path_lower, parent_lower, name, name_lower, kind, created_at, modified_at)
     VALUES ($1, 'tree', 'tree', '', 'tree', 'tree', 'dir', now(), now())`,
    [feedId],
  );
  await db.query(
    `INSERT INTO asset_items (feed_id, path, path_lower, parent_lower, name, name_lower, kind, created_at, modified_at)
     SELECT $1, 'tree/' || n, 'tree/' || n, 'tree', n, n, 'dir', now(), now()
     FROM (SELECT 'd' || lpad(d::text, 3, '0') AS n FROM generate_series(0, $2::int - 1) AS d) AS s`,
    [feedId, FOLDERS],
  );
  for (let from = 0; from < FOLDERS; from += 10) {
    await db.query(
      `INSERT INTO asset_items (feed_id, path, path_lower, parent_lower, name, name_lower, kind, size, media_type, blob_key,
         md5, sha1, sha256, sha512, created_at, modified_at)
       SELECT $1, 'tree/' || dn || '/' || fn, 'tree/' || dn || '/' || lower(fn), 'tree/' || dn, fn, lower(fn), 'file', 4096,
         'application/octet-stream', 'blobs/bench/' || dn || '/' || fn, md5(dn || fn), left(md5(dn || fn) || md5(fn), 40),
         md5(dn || fn) || md5(fn || dn), md5(fn) || md5(dn) || md5(fn || dn) || md5(dn || fn), now(), now()
       FROM (SELECT 'd' || lpad(d::text, 3, '0') AS dn, 'File-' || lpad(f::text, 4, '0') || '.bin' AS fn
             FROM generate_series($2::int, $3::int) AS d, generate_series(0, ${PER_FOLDER - 1}) AS f) AS s`,
      [feedId, from, Math.min(FOLDERS, from + 10) - 1],
    );
  }
  await db.query('ANALYZE asset_items');
}

/** One timed POST move/copy; returns seconds and the answer. */
async function timed(op, path, body) {
  const t0 = performance.now();
  const res = await fetch(`${ctx.base}/endpoints/${FEED}/${op}/${path}`, {
    method: 'POST',
    headers: { Authorization: adminAuthorization(), 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const s = seconds(t0);
  if (res.status !== 201) throw new Error(`${op} ${path}: HTTP ${res.status} ${text}`);
  return { s, result: JSON.parse(text) };
}

async function count(db, feedId, prefix) {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM asset_items WHERE feed_id = $1 AND kind = 'file' AND path_lower LIKE $2`,
    [feedId, `${prefix}/%`],
  );
  return rows[0].n;
}

/** Rename, copy and a deeper move of a folder of TOTAL files, each timed and checked. */
async function moves(databaseUrl) {
  await api('POST', '/api/management/feeds/create', { name: FEED, feedType: 'asset' });
  const db = new pg.Client({ connectionString: await serverDatabaseUrl(databaseUrl) });
  await db.connect();
  try {
    const { rows } = await db.query(`SELECT id FROM feeds WHERE name_lower = $1`, [FEED]);
    const feedId = rows[0].id;
    log(`seeding ${TOTAL} file rows in SQL…`);
    const t0 = performance.now();
    await seed(db, feedId);
    log(`  seeded in ${seconds(t0).toFixed(1)} s`);

    log('renaming tree → renamed…');
    const rename = await timed('move', 'tree', { to: 'renamed' });
    if (rename.result.files !== TOTAL || (await count(db, feedId, 'renamed')) !== TOTAL || (await count(db, feedId, 'tree')) !== 0)
      throw new Error(`rename: ${JSON.stringify(rename.result)}`);
    log(`  ${f2(rename.s)} s`);

    log('copying renamed → copy (one storage: rows only, blobs shared)…');
    const copy = await timed('copy', 'renamed', { to: 'copy' });
    if (copy.result.files !== TOTAL || copy.result.bytesCopied !== 0 || (await count(db, feedId, 'copy')) !== TOTAL)
      throw new Error(`copy: ${JSON.stringify(copy.result)}`);
    log(`  ${f2(copy.s)} s`);

    log('moving it into a sub-folder (renamed → archive/2026/renamed)…');
    const deeper = await timed('move', 'renamed', { to: 'archive/2026/renamed' });
    if (deeper.result.files !== TOTAL || (await count(db, feedId, 'archive/2026/renamed')) !== TOTAL)
      throw new Error(`move down: ${JSON.stringify(deeper.result)}`);
    log(`  ${f2(deeper.s)} s`);

    // A listing of the moved folder answers from the new paths.
    const listed = await api('GET', `/endpoints/${FEED}/dir/archive/2026/renamed/d000/`);
    if (listed.length !== PER_FOLDER) throw new Error(`listing after the move: ${listed.length} entries`);
    return { rename: rename.s, copy: copy.s, deeper: deeper.s };
  } finally {
    await db.end();
  }
}

/**
 * The 4 KiB upload rates: new files with and without a quota (and, for information, each client into its own
 * directory), overwrites with file history on and off. All five modes alternate in the same rounds.
 */
async function uploadRates() {
  const create = (name, extra = {}) => api('POST', '/api/management/feeds/create', { name, feedType: 'asset', ...extra });
  await create(DIRS.noQuota);
  await create(DIRS.quota, { quotaBytes: QUOTA });
  for (let c = 0; c < CLIENTS; c++) await create(`${DIRS.own}${c}`);
  await create(DIRS.historyOff);
  await create(DIRS.historyOn);
  // History is set the way an administrator does it, and read back.
  await api('POST', `/api/management/feeds/update/${DIRS.historyOn}`, { fileHistory: HISTORY });
  const settings = await api('GET', `/api/management/feeds/get/${DIRS.historyOn}`);
  if (Object.entries(HISTORY).some(([k, v]) => settings.fileHistory?.[k] !== v))
    throw new Error(`${DIRS.historyOn}: fileHistory ${JSON.stringify(settings.fileHistory)}`);
  const off = (await api('GET', `/api/management/feeds/get/${DIRS.historyOff}`)).fileHistory;
  if (off?.enabled) throw new Error(`${DIRS.historyOff}: fileHistory ${JSON.stringify(off)}`);

  const body = randomBytes(SIZE);
  const overwritten = (c, n) => `h/c${c}/f${n % PATHS_PER_CLIENT}.bin`;
  // The paths to overwrite exist before the first round (so every upload there replaces a file).
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  for (const feed of [DIRS.historyOff, DIRS.historyOn]) {
    for (let c = 0; c < CLIENTS; c++) {
      await Promise.all(Array.from({ length: PATHS_PER_CLIENT }, async (_, n) => {
        const status = await postContent(agent, feed, overwritten(c, n), body);
        if (status !== 201) throw new Error(`POST ${feed}/content/${overwritten(c, n)}: HTTP ${status}`);
      }));
    }
  }
  agent.destroy();

  let sequence = 0;
  const fresh = (feed) => (c) => ({ feed, path: `x/c${c}/f${sequence++}.bin` });
  // Each client goes round its paths across rounds, so every path is overwritten about as often as the others.
  const sent = { [DIRS.historyOff]: Array(CLIENTS).fill(0), [DIRS.historyOn]: Array(CLIENTS).fill(0) };
  const overwrite = (feed) => (c) => ({ feed, path: overwritten(c, sent[feed][c]++) });
  /** How many times client c overwrote its path n in `feed` (every upload handed out was answered 201). */
  const overwrites = (feed, c, n) => (sent[feed][c] > n ? Math.floor((sent[feed][c] - 1 - n) / PATHS_PER_CLIENT) + 1 : 0);
  const round = (target) => () => uploadRound({ clients: CLIENTS, seconds: SECONDS, body, target });
  const modes = {
    noQuota: round(fresh(DIRS.noQuota)),
    quota: round(fresh(DIRS.quota)),
    // For information: each client into its own directory, where commits never wait for another's turn on a
    // directory's usage row (what that row costs when all write into one).
    own: round((c) => fresh(`${DIRS.own}${c}`)(c)),
    historyOff: round(overwrite(DIRS.historyOff)),
    historyOn: round(overwrite(DIRS.historyOn)),
  };
  log(`upload rounds: ${CLIENTS} clients, a warm-up and ${ROUNDS} rounds of ${SECONDS} s per mode, alternating…`);
  const { rates, medians } = await alternatingRates(modes, ROUNDS, (r, x) =>
    log(`  round ${r + 1}/${ROUNDS} (uploads/s): ${Object.entries(x).map(([k, v]) => `${k} ${f0(v[r])}`).join(', ')} ` +
      `(load ${load()})`),
  );

  // The counters saw every byte (warm-up rounds included): the quota was really in play.
  for (const name of [DIRS.noQuota, DIRS.quota, `${DIRS.own}0`]) {
    const feed = await api('GET', `/api/management/feeds/get/${name}?stats=true`);
    if (feed.quotaUsedBytes !== feed.totalBytes)
      throw new Error(`${name}: quotaUsedBytes ${feed.quotaUsedBytes} but the files total ${feed.totalBytes}`);
    if (name === DIRS.quota && feed.quotaBytes !== QUOTA) throw new Error(`${name}: quotaBytes ${feed.quotaBytes}`);
  }
  // History really kept versions: one per overwrite, at most `keep`, on every path of the first and the last client;
  // none where it was off.
  const versions = {};
  for (const c of [0, CLIENTS - 1]) {
    for (let n = 0; n < PATHS_PER_CLIENT; n++) {
      const path = overwritten(c, n);
      const expected = Math.min(HISTORY.keep, overwrites(DIRS.historyOn, c, n));
      const on = await api('GET', `/endpoints/${DIRS.historyOn}/versions/${path}`);
      if (!Array.isArray(on) || on.length !== expected)
        throw new Error(`${DIRS.historyOn}/versions/${path}: expected ${expected} versions, got ${JSON.stringify(on).slice(0, 200)}`);
      const without = await api('GET', `/endpoints/${DIRS.historyOff}/versions/${path}`);
      if (!Array.isArray(without) || without.length !== 0)
        throw new Error(`${DIRS.historyOff}/versions/${path}: ${JSON.stringify(without).slice(0, 200)}`);
      versions[path] = on.length;
    }
  }
  if (!Object.values(versions).some((v) => v > 0)) throw new Error(`${DIRS.historyOn}: no versions at all`);
  const kept = Object.values(versions);
  log(`  versions kept on ${kept.length} paths checked: ${Math.min(...kept)} to ${Math.max(...kept)} (keep ${HISTORY.keep})`);
  return { rates, medians, versions };
}

async function main() {
  const facts = {
    cores: os.cpus().length, cpu: os.cpus()[0]?.model.trim(), memoryGiB: (os.totalmem() / GiB).toFixed(1),
    node: process.version, loadBefore: load(), quick: QUICK, files: TOTAL, clients: CLIENTS, seconds: SECONDS, rounds: ROUNDS,
  };
  log(`load average ${facts.loadBefore}`);
  await ensureBuild();
  facts.build = await describeServerBuild();
  await makeTempDir();
  const databaseUrl = await setupDatabase();
  await startStockroom(databaseUrl);

  const m = await moves(databaseUrl);
  facts.loadAfterMoves = load();
  const u = await uploadRates();
  facts.loadAfter = load();

  const rows = [];
  const add = (measure, value, reference, ratio, goal, result) => rows.push({ measure, value, reference, ratio, goal, result });
  const within = (s, goal) => (s <= goal ? 'PASS' : 'BELOW');
  const atLeast = (ratio) => (ratio >= RATIO_GOAL ? 'PASS' : 'BELOW');
  add(`Rename a folder of ${TOTAL} files, s`, f2(m.rename), '', '', `≤ ${RENAME_GOAL_S} s`, within(m.rename, RENAME_GOAL_S));
  add('Copy it within one storage, s', f2(m.copy), '', '', `≤ ${COPY_GOAL_S} s`, within(m.copy, COPY_GOAL_S));
  add('Move it two levels down, s', f2(m.deeper), '', '', 'info', 'info');
  const { medians: md } = u;
  const ratios = { history: md.historyOn / md.historyOff, quota: md.quota / md.noQuota, own: md.own / md.noQuota };
  add('4 KiB overwrites/s, history on (keep 10)', f0(md.historyOn), `history off ${f0(md.historyOff)}`, f3(ratios.history),
    `≥ ${RATIO_GOAL}`, atLeast(ratios.history));
  add('4 KiB uploads/s, quota set', f0(md.quota), `no quota ${f0(md.noQuota)}`, f3(ratios.quota), `≥ ${RATIO_GOAL}`,
    atLeast(ratios.quota));
  add('4 KiB uploads/s, a directory per client', f0(md.own), `no quota ${f0(md.noQuota)}`, f3(ratios.own), 'info', 'info');

  console.log(`\nMachine: ${facts.cores} cores (${facts.cpu}), ${facts.memoryGiB} GiB RAM, Node ${facts.node}`);
  console.log(`Server: ${facts.build}`);
  console.log(`Load average (1, 5, 15 min): ${facts.loadBefore} before, ${facts.loadAfterMoves} after the moves, ` +
    `${facts.loadAfter} after the uploads`);
  console.log(`${QUICK ? 'QUICK MODE (checks the script; figures not meaningful): ' : ''}moves: one timed POST each; ` +
    `uploads: ${CLIENTS} keep-alive clients, 4 KiB bodies with Content-Length, median of ${ROUNDS} rounds of ${SECONDS} s ` +
    `after a warm-up, modes alternating\n`);
  console.log(table(['Measure', 'Stockroom', 'Reference', 'Ratio', 'Goal', 'Result'],
    rows.map((x) => [x.measure, x.value, x.reference, x.ratio, x.goal, x.result])));
  console.log(`\nUpload rates per round (uploads/s):`);
  console.log(table(['Mode', 'Median', 'Rounds'],
    Object.entries(u.rates).map(([k, v]) => [k, f0(md[k]), v.map(f0).join(' ')])));
  // Round by round (the two modes of a round ran close together): how much of a ratio is the machine's noise.
  const perRound = {
    history: u.rates.historyOn.map((x, r) => x / u.rates.historyOff[r]),
    quota: u.rates.quota.map((x, r) => x / u.rates.noQuota[r]),
  };
  console.log(`Ratios per round: history on / off ${perRound.history.map(f2).join(' ')}; ` +
    `quota / no quota ${perRound.quota.map(f2).join(' ')}\n`);

  await mkdir(dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, JSON.stringify({
    date: new Date().toISOString(), machine: facts, rows,
    moves: m, uploads: { ...u, ratios, perRound, history: HISTORY, quotaBytes: QUOTA, pathsPerClient: PATHS_PER_CLIENT },
  }, null, 2));
  log(`written to ${RESULTS}`);
}

await runBench(main);
