// Stockroom archive import benchmark: how long `POST import/` takes for a zip of 20,000 small files (disk storage),
// then checks that every entry arrived (the recursive listing counts the files and a few hashes are compared).
// Usage: node bench/import.mjs   (see bench/README.md; BENCH_QUICK=1: 2,000 entries; BENCH_IMPORT_ENTRIES=<n>)
import { createHash } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import yazl from 'yazl';
import {
  ROOT, adminCurlArgs, api, ctx, curl, ensureBuild, ensureTool, log, makeTempDir, runBench, setupDatabase, startStockroom, table,
} from './lib.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const ENTRIES = Number(process.env.BENCH_IMPORT_ENTRIES) || (QUICK ? 2000 : 20_000);
const PER_FOLDER = 500;
const RESULTS = join(ROOT, QUICK ? 'dist/bench/import-results-quick.json' : 'dist/bench/import-results.json');
const FEED = 'importbench';

const entryName = (i) => `f${String(Math.floor(i / PER_FOLDER)).padStart(3, '0')}/file-${String(i).padStart(6, '0')}.txt`;
const entryBody = (i) => Buffer.from(`stockroom import bench, entry ${i}\n`);

/** A deflated zip of ENTRIES small files in folders of PER_FOLDER; returns its size. */
async function makeZip(path) {
  const zip = new yazl.ZipFile();
  for (let i = 0; i < ENTRIES; i++) zip.addBuffer(entryBody(i), entryName(i));
  zip.end();
  const chunks = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk);
  await writeFile(path, Buffer.concat(chunks));
  return (await stat(path)).size;
}

async function main() {
  await ensureBuild();
  await ensureTool('curl', 'curl');
  await makeTempDir();
  const zipPath = join(ctx.tmp, 'bench.zip');
  const zipSize = await makeZip(zipPath);
  log(`zip of ${ENTRIES} entries: ${zipSize} bytes`);
  const databaseUrl = await setupDatabase();
  await startStockroom(databaseUrl, {
    STOCKROOM_IMPORT_MAX_ENTRIES: String(Math.max(100_000, ENTRIES)),
  });
  await api('POST', '/api/management/feeds/create', { name: FEED, feedType: 'asset' });

  const out = join(ctx.tmp, 'import-answer.json');
  const r = await curl([
    ...adminCurlArgs(), '-X', 'POST', '-H', 'Content-Type: application/zip', '--data-binary', `@${zipPath}`, '-o', out,
    `${ctx.base}/endpoints/${FEED}/import/?format=zip`,
  ]);
  const seconds = r.time_total;
  const answer = JSON.parse(await (await import('node:fs/promises')).readFile(out, 'utf8'));
  if (answer.created !== ENTRIES) throw new Error(`import answered ${JSON.stringify(answer)}, expected created=${ENTRIES}`);

  // Everything arrived: the listing holds every file, and sampled hashes match.
  const listing = await api('GET', `/endpoints/${FEED}/dir/?recursive=true`);
  const listedFiles = listing.filter((item) => item.type !== 'dir').length;
  if (listedFiles !== ENTRIES) throw new Error(`the listing holds ${listedFiles} files, expected ${ENTRIES}`);
  for (const i of [0, Math.floor(ENTRIES / 2), ENTRIES - 1]) {
    const meta = await api('GET', `/endpoints/${FEED}/metadata/${entryName(i)}`);
    const expected = createHash('sha256').update(entryBody(i)).digest('hex');
    if (meta.sha256 !== expected) throw new Error(`${entryName(i)}: sha256 ${meta.sha256}, expected ${expected}`);
  }

  const rows = [[String(ENTRIES), String(zipSize), seconds.toFixed(1), (ENTRIES / seconds).toFixed(0)]];
  console.log(`\n${table(['Entries', 'Zip bytes', 'Import s', 'Entries/s'], rows)}\n`);
  await mkdir(dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, JSON.stringify({ entries: ENTRIES, zipBytes: zipSize, importSeconds: seconds, answer }, null, 2));
  log(`results written to ${RESULTS}`);
}

await runBench(main);
