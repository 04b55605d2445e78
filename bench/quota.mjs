// Stockroom quota benchmark: what the quota check costs on small uploads. The 4 KiB single-POST upload rate into a
// directory with a quota (large enough never to be reached) against one without, in the same run, rounds alternating;
// prints the medians and their ratio (goal ≥ 0.95). Every upload must answer 201, and at the end each directory's
// `quotaUsedBytes` must equal the bytes uploaded into it.
// Usage: node bench/quota.mjs   (see bench/README.md; BENCH_QUICK=1: 3 rounds of 2 s; BENCH_QUOTA_SECONDS=<n>,
// BENCH_QUOTA_ROUNDS=<n>, BENCH_QUOTA_CLIENTS=<n>)
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  ROOT,
  adminAuthorization,
  api,
  ctx,
  describeServerBuild,
  ensureBuild,
  log,
  makeTempDir,
  median,
  runBench,
  setupDatabase,
  startStockroom,
  table,
} from './lib.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const SECONDS = Number(process.env.BENCH_QUOTA_SECONDS) || (QUICK ? 2 : 5);
const ROUNDS = Number(process.env.BENCH_QUOTA_ROUNDS) || (QUICK ? 3 : 6);
const CLIENTS = Number(process.env.BENCH_QUOTA_CLIENTS) || 8;
const SIZE = 4096;
const RESULTS = join(ROOT, QUICK ? 'dist/bench/quota-results-quick.json' : 'dist/bench/quota-results.json');
const FEEDS = { without: 'noquota', with: 'withquota', spread: 'own' };
const QUOTA = 2 ** 40; // 1 TiB: checked on every upload, never reached

/** One 4 KiB POST (Content-Length known) to a new path; resolves with the status. */
function upload(agent, feed, path, body) {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(ctx.base);
    const req = request(
      {
        host: hostname,
        port,
        method: 'POST',
        path: `/endpoints/${feed}/content/${path}`,
        agent,
        headers: {
          Authorization: adminAuthorization(),
          'Content-Length': body.length,
          'Content-Type': 'application/octet-stream',
        },
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

let sequence = 0;

/** CLIENTS keep-alive clients uploading as fast as they can for SECONDS; returns uploads per second. */
async function round(feed, label, { spread = false } = {}) {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const body = randomBytes(SIZE);
  const end = performance.now() + SECONDS * 1000;
  let count = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      while (performance.now() < end) {
        const path = `${label}/c${c}/f${sequence++}.bin`;
        const target = spread ? `${feed}${c}` : feed;
        const status = await upload(agent, target, path, body);
        if (status !== 201) throw new Error(`POST ${target}/${path}: HTTP ${status}`);
        count++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return { count, rate: count / elapsed };
}

async function main() {
  await ensureBuild();
  await makeTempDir();
  const databaseUrl = await setupDatabase();
  await startStockroom(databaseUrl);
  const server = await describeServerBuild();
  log(`server: ${server}`);
  await api('POST', '/api/management/feeds/create', { name: FEEDS.without, feedType: 'asset' });
  await api('POST', '/api/management/feeds/create', { name: FEEDS.with, feedType: 'asset', quotaBytes: QUOTA });
  for (let c = 0; c < CLIENTS; c++) {
    await api('POST', '/api/management/feeds/create', { name: `${FEEDS.spread}${c}`, feedType: 'asset' });
  }
  const modes = {
    without: () => round(FEEDS.without, 'x'),
    with: () => round(FEEDS.with, 'x'),
    // For information: each client into its own directory, where commits never wait for another's
    // turn on a directory's usage row (what that row costs when all write into one).
    spread: () => round(FEEDS.spread, 'x', { spread: true }),
  };

  // Warm-up (connections, JIT, the database's caches), not counted.
  for (const run of Object.values(modes)) await run();

  const rates = { without: [], with: [], spread: [] };
  for (let r = 0; r < ROUNDS; r++) {
    // Alternating, and the order rotates too: drift in the machine's load hits every mode alike.
    const names = Object.keys(modes);
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const mode of order) rates[mode].push((await modes[mode]()).rate);
    log(
      `round ${r + 1}/${ROUNDS} (uploads/s): no quota ${rates.without[r].toFixed(0)}, quota set ${rates.with[r].toFixed(0)}, ` +
        `no quota, a directory per client ${rates.spread[r].toFixed(0)}`,
    );
  }

  // The counter saw every byte (warm-up rounds included): the quota was really in play.
  for (const name of [FEEDS.without, FEEDS.with, `${FEEDS.spread}0`]) {
    const feed = await api('GET', `/api/management/feeds/get/${name}?stats=true`);
    if (feed.quotaUsedBytes !== feed.totalBytes) {
      throw new Error(`${name}: quotaUsedBytes ${feed.quotaUsedBytes} but the files total ${feed.totalBytes}`);
    }
    if (name === FEEDS.with && feed.quotaBytes !== QUOTA) throw new Error(`${name}: quotaBytes ${feed.quotaBytes}`);
  }

  const medians = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)]));
  const ratio = medians.with / medians.without;
  const row = (label, mode) => [label, medians[mode].toFixed(0), rates[mode].map((x) => x.toFixed(0)).join(' ')];
  const rows = [
    row('4 KiB uploads/s, no quota', 'without'),
    row('4 KiB uploads/s, quota set', 'with'),
    ['ratio (goal ≥ 0.95)', ratio.toFixed(3), ''],
    row('4 KiB uploads/s, no quota, a directory per client', 'spread'),
  ];
  console.log(`\n${CLIENTS} clients, ${ROUNDS} rounds of ${SECONDS} s each, alternating\n`);
  console.log(`${table(['Measure', 'Median', 'Rounds'], rows)}\n`);
  await mkdir(dirname(RESULTS), { recursive: true });
  await writeFile(
    RESULTS,
    JSON.stringify({ server, clients: CLIENTS, seconds: SECONDS, rounds: ROUNDS, rates, medians, ratio }, null, 2),
  );
  log(`results written to ${RESULTS}`);
}

await runBench(main);
