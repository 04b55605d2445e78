// Stockroom storage benchmark: directories on S3 (s3rver) and Azure Blob (Azurite) vs the SDKs talking to the same
// emulator directly; redirect mode's added latency; the server's peak RSS vs file size.
// Usage: node bench/storage.mjs   (BENCH_QUICK=1 for small sizes; see bench/README.md)
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { BlobSASPermissions, BlobServiceClient } from '@azure/storage-blob';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  GiB, KiB, MiB, ROOT, adminAuthorization, adminCurlArgs, api, clockTicks, cpuSnapshot, cpuUsage, ctx, curl, currentRss, ensureBuild,
  ensureTool, log,
  makeFile, makeTempDir, median, peakRss, resetPeakRss, run, runBench, setupDatabase, sha256File, startChild,
  startStockroom, stopChild, table, waitForLine,
} from './lib.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const RESULTS = join(ROOT, QUICK ? 'dist/bench/storage-results-quick.json' : 'dist/bench/storage-results.json');
const LARGE = QUICK ? 64 * MiB : 256 * MiB;
const MID = QUICK ? 16 * MiB : 32 * MiB;
const SMALL = 4 * KiB;
const REPS = 3;
const SAMPLES = QUICK ? 10 : 50;
const label = (n) => (n >= MiB ? `${n / MiB} MiB` : `${n / KiB} KiB`);
const L = label(LARGE);
const M = label(MID);
const SM = label(SMALL);
const mbps = (bytes, seconds) => bytes / seconds / 1e6;

// What Stockroom's providers use (libs/api/storage/src/lib/*-storage-provider.ts), so the direct SDK calls match.
const S3_PART_SIZE = 8 * MiB; // WRITE_PART_SIZE
const S3_QUEUE = 3; // WRITE_QUEUE
const AZURE_BLOCK_SIZE = 8 * MiB; // blockSize default
const AZURE_CONCURRENCY = 4; // maxConcurrency default

const S3_KEY = 'S3RVER';
const AZURITE_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const BUCKET = 'stockroom-bench';
const CONTAINER = 'stockroom-bench';

/** Reads a body to the end, discarding it; resolves with the byte count. */
async function drain(body) {
  let n = 0;
  await pipeline(body, new Writable({ highWaterMark: MiB, write(chunk, _enc, cb) { n += chunk.length; cb(); } }));
  return n;
}

const require = createRequire(import.meta.url);
function packageBin(pkg, name) {
  const pkgPath = require.resolve(`${pkg}/package.json`);
  const { bin } = require(pkgPath);
  return join(dirname(pkgPath), typeof bin === 'string' ? bin : bin[name]);
}

// ---------------------------------------------------------------- emulators and direct clients

async function startS3() {
  const dir = join(ctx.tmp, 's3rver');
  await mkdir(dir);
  // --openssl-legacy-provider: without it s3rver answers 500 to paginated ListObjectsV2 on Node 17+.
  // Port 0: the system picks one, and s3rver prints it.
  const child = startChild('s3rver', process.execPath,
    ['--openssl-legacy-provider', packageBin('s3rver', 's3rver'), '-d', dir, '-a', '127.0.0.1', '-p', '0', '--silent'],
    { logFile: join(ctx.tmp, 's3rver.log'), cwd: ROOT });
  const [, port] = await waitForLine(child, /^S3rver listening on 127\.0\.0\.1:(\d+)$/, 30_000);
  const endpoint = `http://127.0.0.1:${port}`;
  // The same client settings as S3StorageProvider.
  const client = new S3Client({
    region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: S3_KEY, secretAccessKey: S3_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 4, retryMode: 'standard', requestHandler: { connectionTimeout: 10_000 },
  });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  log(`s3rver running at ${endpoint} (pid ${child.pid}), bucket ${BUCKET}`);
  return {
    id: 's3', name: 'S3 (s3rver)', child, client,
    directDownloadLabel: 'SDK GetObject', presignedLabel: 'presigned URL',
    directUploadLabel: `SDK lib-storage Upload, ${S3_PART_SIZE / MiB} MiB × ${S3_QUEUE}`,
    storage: (targetPath, extra = {}) => ({
      id: 's3',
      properties: {
        BucketName: BUCKET, TargetPath: targetPath, CustomServiceUrl: endpoint, UsePathStyle: true,
        AccessKey: S3_KEY, SecretAccessKey: S3_KEY, ...extra,
      },
    }),
    async upload(file, key) {
      const upload = new Upload({
        client, params: { Bucket: BUCKET, Key: key, Body: createReadStream(file) },
        partSize: S3_PART_SIZE, queueSize: S3_QUEUE, leavePartsOnError: false,
      });
      await upload.done();
    },
    async download(key) {
      const out = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      return drain(out.Body);
    },
    presign: (key) => getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 3600 }),
    remove: (key) => client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key })),
    close: () => client.destroy(),
  };
}

async function startAzure() {
  const dir = join(ctx.tmp, 'azurite');
  await mkdir(dir);
  // --skipApiVersionCheck: the SDK speaks a newer API version than Azurite 3.35 knows. Port 0: the
  // system picks one, and Azurite prints it.
  const child = startChild('azurite', process.execPath,
    [packageBin('azurite', 'azurite-blob'), '--blobHost', '127.0.0.1', '--blobPort', '0', '--location', dir,
      '--skipApiVersionCheck', '--disableTelemetry', '--silent'],
    { logFile: join(ctx.tmp, 'azurite.log'), cwd: ROOT });
  const [, port] = await waitForLine(child, /successfully listens on http:\/\/127\.0\.0\.1:(\d+)/, 30_000);
  const blobEndpoint = `http://127.0.0.1:${port}/devstoreaccount1`;
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`;
  // The same pipeline options as AzureBlobStorageProvider.
  const service = BlobServiceClient.fromConnectionString(connectionString, {
    retryOptions: { maxTries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 10_000 }, keepAliveOptions: { enable: true },
  });
  const container = service.getContainerClient(CONTAINER);
  await container.create();
  log(`Azurite running at ${blobEndpoint} (pid ${child.pid}), container ${CONTAINER}`);
  return {
    id: 'azure', name: 'Azure (Azurite)', child,
    directDownloadLabel: 'SDK download', presignedLabel: 'SAS URL',
    directUploadLabel: `SDK uploadStream, ${AZURE_BLOCK_SIZE / MiB} MiB × ${AZURE_CONCURRENCY}`,
    storage: (targetPath, extra = {}) => ({
      id: 'azure', properties: { ConnectionString: connectionString, ContainerName: CONTAINER, TargetPath: targetPath, ...extra },
    }),
    async upload(file, key) {
      await container.getBlockBlobClient(key).uploadStream(createReadStream(file), AZURE_BLOCK_SIZE, AZURE_CONCURRENCY);
    },
    async download(key) {
      const res = await container.getBlobClient(key).download(0, undefined, { maxRetryRequests: 3 });
      return drain(res.readableStreamBody);
    },
    presign: (key) => container.getBlobClient(key).generateSasUrl({
      permissions: BlobSASPermissions.parse('r'), startsOn: new Date(Date.now() - 300_000), expiresOn: new Date(Date.now() + 3600_000),
    }),
    remove: (key) => container.getBlobClient(key).deleteIfExists(),
    close: () => undefined,
  };
}

// ---------------------------------------------------------------- Stockroom helpers

const content = (feed, path) => `${ctx.base}/endpoints/${feed}/content/${path}`;

async function removeContent(feed, path) {
  const res = await fetch(content(feed, path), { method: 'DELETE', headers: { Authorization: adminAuthorization() } });
  const text = await res.text();
  if (!res.ok) throw new Error(`DELETE ${feed}/${path}: HTTP ${res.status} ${text}`);
}

/** A new asset directory whose storage is `settings` (set while it is empty). */
async function createFeed(name, settings) {
  await api('POST', '/api/management/feeds/create', { name, feedType: 'asset' });
  await api('POST', `/api/storage?feed=${name}`, settings);
}

/** POST of a whole file through Stockroom with curl; seconds. */
async function stockroomUpload(feed, path, file, size) {
  const r = await curl([...adminCurlArgs(), '-X', 'POST', '-T', file, '-o', '/dev/null', content(feed, path)], [201]);
  if (r.size_upload !== size) throw new Error(`upload to ${feed}/${path}: sent ${r.size_upload} bytes, expected ${size}`);
  return r.time_total;
}

/** GET through Stockroom with curl, body to /dev/null (or `out`); seconds. */
async function stockroomDownload(feed, path, size, out = '/dev/null') {
  const r = await curl([...adminCurlArgs(), '-o', out, content(feed, path)], [200]);
  if (r.size_download !== size) throw new Error(`download of ${feed}/${path}: got ${r.size_download} bytes, expected ${size}`);
  return r.time_total;
}

async function timed(fn) {
  const t0 = performance.now();
  const result = await fn();
  return { seconds: (performance.now() - t0) / 1000, result };
}

/** Resets the server's VmHWM; where the kernel refuses, restarts the server instead (settings live in the database). */
async function resetPeak() {
  if (await resetPeakRss(ctx.server.pid)) return;
  log('cannot reset VmHWM (clear_refs): restarting the server for a fresh peak');
  await stopChild(ctx.server);
  await startStockroom(ctx.databaseUrl);
}

// ---------------------------------------------------------------- measurements

/** Peak RSS over `REPS` uploads and downloads of `file` through Stockroom (not timed; the MID reference). */
async function peakOverTransfers(b, feed, file, size) {
  await resetPeak();
  const paths = [];
  for (let i = 0; i < REPS; i++) {
    const path = `rss/mid-${i}.bin`;
    await stockroomUpload(feed, path, file, size);
    paths.push(path);
  }
  for (let i = 0; i < REPS; i++) await stockroomDownload(feed, paths[i], size);
  const peak = await peakRss(ctx.server.pid);
  for (const p of paths) await removeContent(feed, p);
  log(`  ${b.name}: peak RSS over ${M} transfers ${(peak / 1e6).toFixed(0)} MB`);
  return peak;
}

/** LARGE uploads and downloads, Stockroom vs direct SDK, alternating (who goes first swaps each round); best of REPS. */
async function measureTransfers(b, feed, file, sha256) {
  await resetPeak();
  const up = { stockroom: [], direct: [] };
  const down = { stockroom: [], direct: [], curlDirect: [] };
  const srPaths = [];
  const directKeys = [];
  for (let i = 0; i < REPS; i++) {
    const sr = async () => {
      const path = `transfer/large-${i}.bin`;
      up.stockroom.push(mbps(LARGE, await stockroomUpload(feed, path, file, LARGE)));
      srPaths.push(path);
    };
    const direct = async () => {
      const key = `direct/large-${i}.bin`;
      up.direct.push(mbps(LARGE, (await timed(() => b.upload(file, key))).seconds));
      directKeys.push(key);
    };
    for (const step of i % 2 === 0 ? [direct, sr] : [sr, direct]) await step();
    log(`  ${b.name} upload ${L} #${i + 1}: direct ${up.direct[i].toFixed(0)} MB/s, Stockroom ${up.stockroom[i].toFixed(0)} MB/s`);
  }
  // Direct downloads: the SDK in this process, and curl (Stockroom's client) on a presigned / SAS URL of the same object.
  const url = await b.presign(directKeys[0]);
  for (let i = 0; i < REPS; i++) {
    const sr = async () => down.stockroom.push(mbps(LARGE, await stockroomDownload(feed, srPaths[0], LARGE)));
    const direct = async () => {
      const { seconds, result: n } = await timed(() => b.download(directKeys[0]));
      if (n !== LARGE) throw new Error(`${b.name} direct download: got ${n} bytes, expected ${LARGE}`);
      down.direct.push(mbps(LARGE, seconds));
    };
    const curlDirect = async () => {
      const r = await curl(['-o', '/dev/null', url], [200]);
      if (r.size_download !== LARGE) throw new Error(`${b.name} curl on the ${b.presignedLabel}: got ${r.size_download} bytes`);
      down.curlDirect.push(mbps(LARGE, r.time_total));
    };
    for (const step of i % 2 === 0 ? [direct, curlDirect, sr] : [sr, curlDirect, direct]) await step();
    log(`  ${b.name} download ${L} #${i + 1}: SDK ${down.direct[i].toFixed(0)} MB/s, curl on the ${b.presignedLabel} ` +
      `${down.curlDirect[i].toFixed(0)} MB/s, Stockroom ${down.stockroom[i].toFixed(0)} MB/s`);
  }
  const peak = await peakRss(ctx.server.pid);

  // Outside the timed runs: the bytes Stockroom serves are the file's.
  const copy = join(ctx.tmp, 'check.bin');
  await stockroomDownload(feed, srPaths[0], LARGE, copy);
  const got = await sha256File(copy);
  await rm(copy);
  const meta = await api('GET', `/endpoints/${feed}/metadata/${srPaths[0]}`);
  const sha256Match = got === sha256 && meta.sha256 === sha256;
  log(`  ${b.name}: sha256 of the download ${got === sha256 ? 'matches' : 'DIFFERS'}, stored sha256 ${meta.sha256 === sha256 ? 'matches' : 'DIFFERS'}`);

  for (const p of srPaths.slice(1)) await removeContent(feed, p);
  for (const k of directKeys) await b.remove(k);
  const best = (xs) => Math.max(...xs);
  return {
    upload: { stockroom: best(up.stockroom), direct: best(up.direct), runs: up },
    download: { stockroom: best(down.stockroom), direct: best(down.direct), curlDirect: best(down.curlDirect), runs: down },
    peakRss: peak, sha256Match, keptPath: srPaths[0],
  };
}

/**
 * Redirect mode: a directory with RedirectDownloads true answers GET with 302 + presigned URL / SAS. Median over
 * SAMPLES of (a) streamed GET (the streaming directory), (b) GET following the 302, (c) the 302 alone, (d) the
 * presigned URL fetched directly; then LARGE through the redirect vs streamed vs presigned, best of REPS.
 */
async function measureRedirect(b, streamFeed, streamLargePath, files) {
  const feed = `${b.id}redir`;
  try {
    await createFeed(feed, b.storage(`${feed}/`, { RedirectDownloads: true }));
  } catch (e) {
    const status = /HTTP (\d+)/.exec(e.message)?.[1] ?? 'error';
    return { available: false, reason: `storage settings refused RedirectDownloads (HTTP ${status}; not in this build?)`, error: e.message };
  }
  await stockroomUpload(streamFeed, 'latency/small.bin', files.small, SMALL);
  await stockroomUpload(feed, 'latency/small.bin', files.small, SMALL);
  const probe = await curl([...adminCurlArgs(), '-o', '/dev/null', content(feed, 'latency/small.bin')], [200, 302]);
  if (probe.http_code !== 302) {
    return { available: false, reason: `GET answered ${probe.http_code}, not 302, with RedirectDownloads true (not implemented in this build?)` };
  }
  log(`  ${b.name}: 302 → ${probe.redirect_url.replace(/\?.*/, '?…')}`);

  const ms = { streamed: [], followed: [], redirectOnly: [], presigned: [] };
  const a = async () => {
    ms.streamed.push(1000 * (await stockroomDownload(streamFeed, 'latency/small.bin', SMALL)));
  };
  const bFollow = async () => {
    // curl does not send -u credentials to the presigned URL's host:port (another origin).
    const r = await curl([...adminCurlArgs(), '-L', '-o', '/dev/null', content(feed, 'latency/small.bin')], [200]);
    if (r.num_redirects !== 1 || r.size_download !== SMALL) throw new Error(`redirected GET: ${r.num_redirects} redirects, ${r.size_download} bytes`);
    ms.followed.push(1000 * r.time_total);
  };
  const cd = async () => {
    const r = await curl([...adminCurlArgs(), '-o', '/dev/null', content(feed, 'latency/small.bin')], [302]);
    if (!r.redirect_url) throw new Error('302 without Location');
    ms.redirectOnly.push(1000 * r.time_total);
    const d = await curl(['-o', '/dev/null', r.redirect_url], [200]);
    if (d.size_download !== SMALL) throw new Error(`presigned GET: ${d.size_download} bytes, expected ${SMALL}`);
    ms.presigned.push(1000 * d.time_total);
  };
  for (let i = 0; i < 3; i++) for (const step of [a, bFollow, cd]) await step(); // warm-up, not counted
  for (const k of Object.keys(ms)) ms[k].length = 0;
  const steps = [a, bFollow, cd];
  for (let i = 0; i < SAMPLES; i++) {
    for (let j = 0; j < steps.length; j++) await steps[(i + j) % steps.length]();
  }
  const small = Object.fromEntries(Object.entries(ms).map(([k, xs]) => [k, median(xs)]));
  small.addedVsPresigned = small.followed - small.presigned;
  small.addedVsStreamed = small.followed - small.streamed;
  log(`  ${b.name} ${SM} (median of ${SAMPLES}, ms): streamed ${small.streamed.toFixed(2)}, followed ${small.followed.toFixed(2)}, ` +
    `302 alone ${small.redirectOnly.toFixed(2)}, presigned ${small.presigned.toFixed(2)}`);

  // LARGE through the redirect.
  await stockroomUpload(feed, 'latency/large.bin', files.large, LARGE);
  const large = { streamed: [], followed: [], presigned: [] };
  for (let i = 0; i < REPS; i++) {
    large.streamed.push(mbps(LARGE, await stockroomDownload(streamFeed, streamLargePath, LARGE)));
    const f = await curl([...adminCurlArgs(), '-L', '-o', '/dev/null', content(feed, 'latency/large.bin')], [200]);
    if (f.size_download !== LARGE || f.num_redirects !== 1) throw new Error(`redirected GET of ${L}: ${f.size_download} bytes, ${f.num_redirects} redirects`);
    large.followed.push(mbps(LARGE, f.time_total));
    const r = await curl([...adminCurlArgs(), '-o', '/dev/null', content(feed, 'latency/large.bin')], [302]);
    const d = await curl(['-o', '/dev/null', r.redirect_url], [200]);
    if (d.size_download !== LARGE) throw new Error(`presigned GET of ${L}: ${d.size_download} bytes`);
    large.presigned.push(mbps(LARGE, d.time_total));
    log(`  ${b.name} ${L} #${i + 1} (MB/s): streamed ${large.streamed[i].toFixed(0)}, followed ${large.followed[i].toFixed(0)}, presigned ${large.presigned[i].toFixed(0)}`);
  }
  const copy = join(ctx.tmp, 'check-redirect.bin');
  await curl([...adminCurlArgs(), '-L', '-o', copy, content(feed, 'latency/large.bin')], [200]);
  const largeSha256Match = (await sha256File(copy)) === files.largeSha256;
  await rm(copy);
  log(`  ${b.name}: sha256 of the redirected ${L} download ${largeSha256Match ? 'matches' : 'DIFFERS'}`);
  await removeContent(feed, 'latency/large.bin');
  const best = (xs) => Math.max(...xs);
  return {
    available: true, samples: SAMPLES, small, smallRuns: ms, largeSha256Match,
    large: { streamed: best(large.streamed), followed: best(large.followed), presigned: best(large.presigned), runs: large },
  };
}

async function measureBackend(b, files) {
  const feed = `${b.id}bench`;
  await createFeed(feed, b.storage(`${feed}/`));
  log(`${b.name}: directory ${feed}; ${M} transfers for the peak-RSS reference…`);
  const midPeak = await peakOverTransfers(b, feed, files.mid, MID);
  log(`${b.name}: ${L} transfers (best of ${REPS}, alternating)…`);
  const t = await measureTransfers(b, feed, files.large, files.largeSha256);
  log(`${b.name}: redirect mode (${SAMPLES} samples)…`);
  const redirect = await measureRedirect(b, feed, t.keptPath, files);
  if (!redirect.available) log(`  ${b.name}: redirect mode skipped: ${redirect.reason}`);
  await removeContent(feed, t.keptPath);
  return { transfers: t, midPeak, redirect };
}

// ---------------------------------------------------------------- report

function report(facts, results) {
  const f0 = (x) => x.toFixed(0);
  const f1 = (x) => x.toFixed(1);
  const f2 = (x) => x.toFixed(2);
  const rows = [];
  const add = (backend, figure, value, reference, ratio, goal, met) => rows.push({ backend, figure, value, reference, ratio, goal, met });
  for (const { backend: b, transfers: t, midPeak, redirect: r } of results) {
    const n = b.name;
    add(n, `Download ${L} (MB/s, best of ${REPS})`, f0(t.download.stockroom), `${b.directDownloadLabel} ${f0(t.download.direct)}`,
      t.download.stockroom / t.download.direct, '≥ 0.80 × direct', t.download.stockroom >= 0.8 * t.download.direct);
    add(n, `Download ${L}, same client (MB/s, best of ${REPS})`, f0(t.download.stockroom),
      `curl on the ${b.presignedLabel} ${f0(t.download.curlDirect)}`, t.download.stockroom / t.download.curlDirect, '(info)', null);
    add(n, `Upload ${L}, one POST (MB/s, best of ${REPS})`, f0(t.upload.stockroom), `${b.directUploadLabel} ${f0(t.upload.direct)}`,
      t.upload.stockroom / t.upload.direct, '≥ 0.80 × direct', t.upload.stockroom >= 0.8 * t.upload.direct);
    add(n, `Download ${L}: sha256 (file, stored)`, t.sha256Match ? 'match' : 'DIFFER', '', null, 'match', t.sha256Match);
    if (r.available) {
      const s = r.small;
      add(n, `${SM} GET streamed (ms, median of ${r.samples})`, f2(s.streamed), '', null, '(info)', null);
      add(n, `${SM} 302 alone (ms)`, f2(s.redirectOnly), '', null, '(info)', null);
      add(n, `${SM} presigned URL fetched directly (ms)`, f2(s.presigned), '', null, '(info)', null);
      add(n, `${SM} GET following the 302 (ms)`, f2(s.followed), `streamed ${f2(s.streamed)}`, s.followed / s.streamed, '(info)', null);
      const signed = (x) => `${x >= 0 ? '+' : ''}${f2(x)}`;
      add(n, `${SM} added by the redirect (ms)`, signed(s.addedVsPresigned), `followed − presigned; vs streamed ${signed(s.addedVsStreamed)}`,
        null, '(info)', null);
      add(n, `${L} GET following the 302 (MB/s, best of ${REPS})`, f0(r.large.followed),
        `streamed ${f0(r.large.streamed)}, presigned ${f0(r.large.presigned)}`, r.large.followed / r.large.streamed, '(info)', null);
      add(n, `${L} via redirect: sha256`, r.largeSha256Match ? 'match' : 'DIFFER', '', null, 'match', r.largeSha256Match);
    } else {
      add(n, 'Redirect mode', 'skipped', r.reason, null, '', null);
    }
    const ratio = t.peakRss / midPeak;
    add(n, `Peak RSS, ${L} transfers (MB)`, f0(t.peakRss / 1e6), `${M}: ${f0(midPeak / 1e6)} (idle ${f0(facts.idleRss / 1e6)})`, ratio,
      `≤ 1.10 × ${M}`, ratio <= 1.1);
  }
  const text = table(
    ['Backend', 'Figure', 'Stockroom', 'Reference', 'Ratio', 'Goal', 'Met'],
    rows.map((x) => [x.backend, x.figure, x.value, x.reference, x.ratio == null ? '' : f2(x.ratio), x.goal, x.met == null ? '' : x.met ? 'yes' : 'NO']),
  );
  console.log(`\nMachine: ${facts.cores} cores (${facts.cpu}), ${facts.memoryGiB} GiB RAM, Node ${facts.node}, ${facts.os}, ${facts.curl}`);
  console.log(`Database: ${facts.database}; 1-min load average before the run ${facts.loadBefore} (other work skews the figures)`);
  console.log(`Client: curl for Stockroom (-u Admin, body from a file / to /dev/null), the SDKs in this process for direct; MB = 10^6 bytes\n`);
  console.log(text);
  console.log(`\nRun time ${f1(facts.seconds)} s; 1-min load average at the end ${facts.loadAfter}`);
  const c = facts.cpuUse;
  console.log(`CPU while measuring (% of one core, ${facts.cores} cores): machine busy ${f0(c.machine)}, this benchmark ${f0(c.ours)} ` +
    `(server ${f0(c.byProcess.server)}, emulators ${f0(c.byProcess.s3 + c.byProcess.azure)}, curl and SDKs ${f0(c.byProcess.bench)}), ` +
    `other work ${f0(c.other)}${c.other > 25 ? ' — OTHER WORK SKEWED THESE FIGURES: run on an idle machine' : ''}`);
  return rows;
}

// ---------------------------------------------------------------- CPU: is anything else running?

/** CPU ticks of this process and its waited-for children (the curl runs): utime, stime, cutime, cstime. */
async function selfTicks() {
  const text = await readFile('/proc/self/stat', 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
}

/** Snapshot of the machine, the server and the emulators, and this process with its curl children. */
async function cpuMark() {
  return { snap: await cpuSnapshot(), self: await selfTicks() };
}

/** CPU between two marks in % of one core: machine busy, this benchmark (server, emulators, curl, SDKs) and the rest. */
async function cpuBetween(before, after, pids) {
  const u = await cpuUsage(before.snap, after.snap, { pids });
  const seconds = (after.snap.at - before.snap.at) / 1000;
  const self = (100 * (after.self - before.self)) / (await clockTicks()) / seconds;
  const ours = self + Object.keys(pids).reduce((sum, k) => sum + u[k], 0);
  return { machine: u.machine, steal: u.steal, ours, other: Math.max(0, u.machine - ours), byProcess: { bench: self, ...u } };
}

// ---------------------------------------------------------------- main

async function main() {
  const t0 = performance.now();
  const facts = {
    cores: os.cpus().length, cpu: os.cpus()[0]?.model.trim(), memoryGiB: (os.totalmem() / GiB).toFixed(1),
    node: process.version, os: `${os.type()} ${os.release()}`, loadBefore: os.loadavg()[0].toFixed(2), quick: QUICK,
    sizes: { large: LARGE, mid: MID, small: SMALL }, samples: SAMPLES,
  };
  await ensureBuild();
  await ensureTool('curl', 'curl');
  facts.curl = (await run('curl', ['--version'])).stdout.split(' ').slice(0, 2).join(' ');

  await makeTempDir();
  const { bavail, bsize } = await statfs(ctx.tmp);
  const free = bavail * bsize;
  const need = 12 * LARGE + 4 * MID; // test files, stored copies in both emulators, a check copy
  log(`temp dir ${ctx.tmp}, ${(free / 1e9).toFixed(0)} GB free`);
  if (free < need) throw new Error(`only ${(free / 1e9).toFixed(1)} GB free under /tmp; ${(need / 1e9).toFixed(1)} GB are needed`);

  log('generating test files…');
  const dir = join(ctx.tmp, 'files');
  await mkdir(dir);
  const files = { large: join(dir, 'large.bin'), mid: join(dir, 'mid.bin'), small: join(dir, 'small.bin') };
  files.largeSha256 = await makeFile(files.large, LARGE);
  await makeFile(files.mid, MID);
  await makeFile(files.small, SMALL);

  const databaseUrl = await setupDatabase();
  facts.database = databaseUrl ? `local PostgreSQL (${ctx.dbName})` : 'embedded PostgreSQL (started by the server)';
  const backends = [];
  try {
    backends.push(await startS3(), await startAzure());
    await startStockroom(databaseUrl);
    facts.idleRss = await currentRss(ctx.server.pid);

    const results = [];
    const mark = await cpuMark();
    for (const b of backends) results.push({ backend: b, ...(await measureBackend(b, files)) });
    facts.seconds = (performance.now() - t0) / 1000;
    facts.cpuUse = await cpuBetween(mark, await cpuMark(),
      { server: ctx.server.pid, ...Object.fromEntries(backends.map((b) => [b.id, b.child.pid])) });
    facts.loadAfter = os.loadavg()[0].toFixed(2);

    const rows = report(facts, results);
    await mkdir(dirname(RESULTS), { recursive: true });
    const details = results.map(({ backend, ...rest }) => ({ backend: backend.id, ...rest }));
    await writeFile(RESULTS, JSON.stringify({ date: new Date().toISOString(), machine: facts, rows, details }, null, 2));
    console.log(`Results written to ${RESULTS}`);
    if (rows.some((r) => r.met === false && /sha256/.test(r.figure))) throw new Error('a download did not match the file');
  } finally {
    for (const b of backends) b.close();
  }
}

await runBench(main);
