// Stockroom move/copy benchmark (issue 17): rename a folder of 100,000 files (goal ≤ 5 s) and copy it within one
// storage (goal ≤ 10 s), each one HTTP call timed to its answer; the result is checked (counts, a listing).
// Usage: node bench/moves.mjs   (BENCH_QUICK=1: 10,000 files)
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import {
  GiB, ROOT, adminAuthorization, api, ctx, describeServerBuild, ensureBuild, log, makeTempDir, runBench,
  serverDatabaseUrl, setupDatabase, startStockroom, table,
} from './lib.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const RESULTS = join(ROOT, QUICK ? 'dist/bench/moves-results-quick.json' : 'dist/bench/moves-results.json');
const FEED = 'moves';
const FOLDERS = QUICK ? 10 : 100;
const PER_FOLDER = 1000;
const TOTAL = FOLDERS * PER_FOLDER;
const RENAME_GOAL_S = 5;
const COPY_GOAL_S = 10;
const seconds = (t0) => (performance.now() - t0) / 1000;

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

async function main() {
  const facts = {
    cores: os.cpus().length, cpu: os.cpus()[0]?.model.trim(), memoryGiB: (os.totalmem() / GiB).toFixed(1),
    node: process.version, loadBefore: os.loadavg()[0].toFixed(2), files: TOTAL,
  };
  await ensureBuild();
  facts.build = await describeServerBuild();
  await makeTempDir();
  const databaseUrl = await setupDatabase();
  await startStockroom(databaseUrl);
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
    log(`  ${rename.s.toFixed(2)} s`);

    log('copying renamed → copy (one storage: rows only, blobs shared)…');
    const copy = await timed('copy', 'renamed', { to: 'copy' });
    if (copy.result.files !== TOTAL || copy.result.bytesCopied !== 0 || (await count(db, feedId, 'copy')) !== TOTAL)
      throw new Error(`copy: ${JSON.stringify(copy.result)}`);
    log(`  ${copy.s.toFixed(2)} s`);

    log('moving it back into a sub-folder (renamed → archive/2026/renamed)…');
    const deeper = await timed('move', 'renamed', { to: 'archive/2026/renamed' });
    log(`  ${deeper.s.toFixed(2)} s`);

    // A listing of the moved folder answers from the new paths.
    const listed = await api('GET', `/endpoints/${FEED}/dir/archive/2026/renamed/d000/`);
    if (listed.length !== PER_FOLDER) throw new Error(`listing after the move: ${listed.length} entries`);

    const figures = [
      { what: `Rename a folder of ${TOTAL} files`, seconds: rename.s, goal: RENAME_GOAL_S },
      { what: `Copy it (one storage)`, seconds: copy.s, goal: COPY_GOAL_S },
      { what: `Move it two levels down`, seconds: deeper.s, goal: RENAME_GOAL_S },
    ];
    console.log(
      `\n${table(
        ['Operation', 'Seconds', 'Goal', 'Met'],
        figures.map((f) => [f.what, f.seconds.toFixed(2), `≤ ${f.goal}`, f.seconds <= f.goal ? 'yes' : 'NO']),
      )}\n`,
    );
    await mkdir(dirname(RESULTS), { recursive: true });
    await writeFile(RESULTS, JSON.stringify({ facts, figures }, null, 2));
    log(`written to ${RESULTS}`);
  } finally {
    await db.end();
  }
}

await runBench(main);
