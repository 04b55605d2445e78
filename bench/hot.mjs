// Stockroom hot-path benchmark (issue 16): 4 KiB and 1 MiB GETs with a feed API key under wrk, with the default
// worker count and with STOCKROOM_WORKERS=1, next to nginx and a bare Node server; a large download and a large
// single-POST upload next to their references; the 100k-file recursive listing, plain and gzip; peak RSS of every
// server process. Alternating rounds, medians, one run. Usage: node bench/hot.mjs (see bench/README.md).
// Figures, not tests: the exit code is non-zero only when the script itself fails (e.g. a wrong answer).
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import {
  GiB, KiB, MiB, ROOT, adminCurlArgs, expectBody, expectLargeBody, headerObject, rotate, api, cpuSnapshot, cpuUsage, ctx, curl, ensureBuild, ensureTool, log, makeFile, makeTempDir, mb, median, mibps, resetPeakRss, run, runBench, setupDatabase, sha256File, startChild, startNginx, startStockroom, stopChild, table, waitForHttp, waitForLine, wrk, describeServerBuild, insertListingRows,
} from './lib.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
// BENCH_QUICK=1: the same steps on small sizes and short runs, to check the script itself in a couple of minutes.
// BENCH_HOT_ONLY=listing: only the listings (default workers, with their RSS), to measure a change to them in a minute.
const LISTING_ONLY = process.env.BENCH_HOT_ONLY === 'listing';
const RESULTS = join(ROOT, `dist/bench/hot${LISTING_ONLY ? '-listing' : ''}${QUICK ? '-quick' : ''}.json`);
const SECONDS = Number(process.env.BENCH_HOT_SECONDS) || (QUICK ? 2 : 10);
const ROUNDS = Number(process.env.BENCH_HOT_ROUNDS) || (QUICK ? 2 : 3);
const BIG_ROUNDS = Number(process.env.BENCH_HOT_BIG_ROUNDS) || (QUICK ? 2 : 5);
const NGINX_WORKERS = Number(process.env.BENCH_HOT_NGINX_WORKERS) || 1;
const WARMUP = QUICK ? 1 : 3;
const BIG = QUICK ? 64 * MiB : GiB;
const LIST_COUNT = QUICK ? 10_000 : 100_000;
const THREADS = 2;
const CONNECTIONS = 64;
const FEED = 'hot';
const LIST_FEED = 'hotlist';
const RSS_GOAL = 250e6;

const sizeLabel = (n) => (n >= GiB ? `${n / GiB} GiB` : n >= MiB ? `${n / MiB} MiB` : `${n / KiB} KiB`);
const BIG_LABEL = sizeLabel(BIG);
const SIZES = [
  { id: '4k', name: 'f.bin', size: 4 * KiB, goal: 0.3, min: 0.15 },
  { id: '1m', name: 'm.bin', size: MiB },
].map((s) => ({ ...s, label: sizeLabel(s.size) }));
const PHASES = [
  // `undefined` removes an inherited STOCKROOM_WORKERS (spawn drops undefined variables): the server's default.
  { id: 'default', label: 'default workers', env: { STOCKROOM_WORKERS: undefined } },
  { id: 'one', label: 'STOCKROOM_WORKERS=1', env: { STOCKROOM_WORKERS: '1' } },
];

/** The phases this run goes through: with BENCH_HOT_ONLY=listing, the default workers only. */
const phasesRun = () => (LISTING_ONLY ? PHASES.slice(0, 1) : PHASES);
const content = (feed, path) => `${ctx.base}/endpoints/${feed}/content/${path}`;

// ---------------------------------------------------------------- checks

async function expectStatus(label, url, headers, status) {
  const res = await fetch(url, { headers: headerObject(headers) });
  const text = await res.text();
  if (res.status !== status) throw new Error(`${label}: expected HTTP ${status}, got ${res.status}: ${text.slice(0, 200)}`);
}

// ---------------------------------------------------------------- server processes and their peak RSS (Linux /proc)

/** The server process and its descendants (cluster workers), without an embedded PostgreSQL's processes: pid → comm. */
async function serverProcesses(rootPid) {
  const all = new Map();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const text = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => undefined);
    if (!text) continue;
    const close = text.lastIndexOf(')');
    all.set(Number(name), { comm: text.slice(text.indexOf('(') + 1, close), ppid: Number(text.slice(close + 2).split(' ')[1]) });
  }
  const out = new Map();
  const visit = (pid) => {
    const p = all.get(pid);
    if (!p || p.comm === 'postgres' || out.has(pid)) return;
    out.set(pid, p.comm);
    for (const [child, c] of all) if (c.ppid === pid) visit(child);
  };
  visit(rootPid);
  return out;
}

async function memoryOf(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  if (!status) return undefined;
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * KiB;
  return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
}

/**
 * VmHWM of every server process (the primary and its workers, found anew at each sample, so restarted workers
 * count too), per section of the run: at each section's start the peaks are reset (clear_refs) after the previous
 * section's were read; a sample every 500 ms catches processes that end within a section.
 */
class RssTracker {
  constructor(rootPid) {
    this.root = rootPid;
    this.sections = [];
    this.current = undefined;
    this.resetRefused = false;
    this.seen = new Map();
    this.chain = Promise.resolve();
    this.timer = setInterval(() => this.serial(() => this.sample()), 500);
  }

  serial(fn) {
    this.chain = this.chain.then(fn).catch((e) => log(`RSS sample: ${e.message}`));
    return this.chain;
  }

  async sample() {
    if (!this.current) return;
    for (const [pid, comm] of await serverProcesses(this.root)) {
      const m = await memoryOf(pid);
      if (!m) continue;
      this.seen.set(pid, comm);
      const e = this.current.peaks.get(pid) ?? { pid, comm, peak: 0 };
      e.peak = Math.max(e.peak, m.hwm);
      this.current.peaks.set(pid, e);
    }
  }

  /** Ends the current section (its peaks read) and starts `name` with peaks reset; returns the idle RSS (max per process). */
  section(name) {
    return this.serial(async () => {
      await this.sample();
      this.current = { name, peaks: new Map(), idle: 0 };
      this.sections.push(this.current);
      for (const pid of (await serverProcesses(this.root)).keys()) {
        if (!(await resetPeakRss(pid))) this.resetRefused = true;
        this.current.idle = Math.max(this.current.idle, (await memoryOf(pid))?.rss ?? 0);
      }
      await this.sample();
    });
  }

  async stop() {
    clearInterval(this.timer);
    await this.serial(() => this.sample());
    this.current = undefined;
  }

  /** Per section, per process: role (primary / worker / server when single), peak bytes. */
  summary() {
    const multi = [...this.seen.values()].length > 1;
    const role = (pid) => (pid === this.root ? (multi ? 'primary' : 'server') : 'worker');
    const sections = this.sections.map((s) => ({
      name: s.name, idle: s.idle,
      processes: [...s.peaks.values()].map((p) => ({ ...p, role: role(p.pid) })),
    }));
    const all = sections.flatMap((s) => s.processes);
    // "Per worker": the processes that serve requests (workers; the single process when there is no cluster).
    const serving = all.filter((p) => p.role !== 'primary');
    const primary = all.filter((p) => p.role === 'primary');
    return {
      sections, processes: this.seen.size, resetRefused: this.resetRefused,
      maxPerWorker: Math.max(0, ...serving.map((p) => p.peak)),
      primaryPeak: primary.length ? Math.max(...primary.map((p) => p.peak)) : undefined,
      idle: sections[0]?.idle ?? 0, // the largest process's RSS right after the start
    };
  }
}

/** Worker count as the server states it in its log, when it does (a number next to "worker(s)"). */
function reportedWorkers(child) {
  for (const line of child.lines) {
    if (/hash/i.test(line)) continue;
    const m = /\b(\d+)\s+(?:\w+\s+)?workers?\b/i.exec(line) ?? /workers?"?\s*[:=]\s*"?(\d+)/i.exec(line);
    if (m) return { count: Number(m[1]), line: line.trim().slice(0, 200) };
  }
  return undefined;
}

/** Stops the server; then any of its worker processes still alive (by their pid, e.g. orphaned by a crash). */
async function stopServer(tracker) {
  await tracker.stop(); // the last section's peaks, read while its processes live
  const pids = [...(await serverProcesses(ctx.server.pid)).keys()];
  await stopChild(ctx.server);
  for (const pid of pids) {
    if (pid === ctx.server.pid || !(await memoryOf(pid))) continue;
    log(`server process ${pid} outlived its primary: SIGTERM`);
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone meanwhile */
    }
  }
}

// ---------------------------------------------------------------- measurements

/** One wrk run and the CPU used meanwhile (% of one core; "other" = the machine's busy time not accounted for). */
async function measureWrk(v, seconds, serverPids) {
  const before = await cpuSnapshot();
  const w = await wrk(v.url, v.headers, seconds, { threads: THREADS, connections: CONNECTIONS });
  const after = await cpuSnapshot();
  const pids = Object.fromEntries([...serverPids.all].map((pid) => [`p${pid}`, pid]));
  const u = await cpuUsage(before, after, { pids: { ...pids, bare: serverPids.bare }, comms: ['postgres', 'nginx'] });
  const server = [...serverPids.all].reduce((a, pid) => a + u[`p${pid}`], 0);
  const wrkCpu = (100 * w.wrkCpuSeconds) / ((after.at - before.at) / 1000);
  const cpu = {
    machine: u.machine, server, bare: u.bare, nginx: u.nginx, postgres: u.postgres, wrk: wrkCpu,
    other: Math.max(0, u.machine - server - u.bare - u.nginx - u.postgres - wrkCpu),
  };
  const figures = { ...w, cpu };
  delete figures.raw; // wrk's report text: parsed already
  return figures;
}

/** Warm-up, then ROUNDS rounds of every size × {nginx, bare Node, Stockroom}, order rotated per round. */
async function measureHot(phase, variantsBySize, serverPids) {
  log(`[${phase.label}] warm-up, ${WARMUP} s each…`);
  for (const size of SIZES) for (const v of variantsBySize[size.id]) await wrk(v.url, v.headers, WARMUP, { threads: THREADS, connections: CONNECTIONS });
  const runs = Object.fromEntries(SIZES.map((s) => [s.id, Object.fromEntries(variantsBySize[s.id].map((v) => [v.id, []]))]));
  for (let round = 0; round < ROUNDS; round++) {
    log(`[${phase.label}] round ${round + 1}/${ROUNDS} (wrk -t${THREADS} -c${CONNECTIONS} -d${SECONDS}s --latency)…`);
    for (const size of SIZES) {
      for (const v of rotate(variantsBySize[size.id], round)) {
        const r = await measureWrk(v, SECONDS, serverPids);
        runs[size.id][v.id].push(r);
        log(`  ${size.label} ${v.label}: ${r.rps.toFixed(0)} req/s, p99 ${r.latencyMs.p99?.toFixed(2)} ms` +
          `${r.non2xx ? `, ${r.non2xx} NON-2XX` : ''}; CPU % of a core: server ${r.cpu.server.toFixed(0)}, nginx ${r.cpu.nginx.toFixed(0)}, ` +
          `bare ${r.cpu.bare.toFixed(0)}, wrk ${r.cpu.wrk.toFixed(0)}, postgres ${r.cpu.postgres.toFixed(0)}, other ${r.cpu.other.toFixed(0)}`);
      }
    }
  }
  const summary = {};
  for (const size of SIZES) {
    summary[size.id] = {};
    for (const v of variantsBySize[size.id]) {
      const rs = runs[size.id][v.id];
      const non2xx = rs.reduce((a, r) => a + r.non2xx, 0);
      const socketErrors = rs.reduce((a, r) => a + (r.socketErrors ? Object.values(r.socketErrors).reduce((x, y) => x + y, 0) : 0), 0);
      // wrk prints the bytes read rounded to 3 digits ("2.31GB"): 1 % of slack, far less than a missing body.
      const short = rs.some((r) => r.bytesPerResponse < 0.99 * size.size);
      // The median round by req/s (the upper one of two), reported whole: its req/s and its latencies.
      const mid = [...rs].sort((a, b) => a.rps - b.rps)[Math.floor(rs.length / 2)];
      summary[size.id][v.id] = {
        label: v.label, rps: mid.rps, p99: mid.latencyMs.p99, p50: mid.latencyMs.p50, medianRound: rs.indexOf(mid) + 1,
        runs: rs.map((r) => r.rps), non2xx, socketErrors,
        otherCpu: median(rs.map((r) => r.cpu.other)),
        failure: non2xx ? `${non2xx} non-2xx answers` : short ? `answers under ${size.size} bytes` : undefined,
      };
    }
  }
  return { summary, runs };
}

/** BIG_ROUNDS alternating downloads of the large file: nginx, bare Node (1 MiB reads), Stockroom; curl to /dev/null. */
async function measureDownloads(variants) {
  const runs = Object.fromEntries(variants.map((v) => [v.id, []]));
  for (let round = 0; round < BIG_ROUNDS; round++) {
    const line = [];
    for (const v of rotate(variants, round)) {
      const r = await curl([...v.headers.flatMap((h) => ['-H', h]), '-o', '/dev/null', v.url], [200]);
      if (r.size_download !== BIG) throw new Error(`download from ${v.label}: ${r.size_download} bytes, expected ${BIG}`);
      runs[v.id].push(r.size_download / r.time_total);
      line.push(`${v.label} ${mibps(r.size_download / r.time_total).toFixed(0)}`);
    }
    log(`  download ${BIG_LABEL} #${round + 1} (MiB/s): ${line.join(', ')}`);
  }
  return Object.fromEntries(variants.map((v) => [v.id, { median: median(runs[v.id]), runs: runs[v.id] }]));
}

/** BIG_ROUNDS single-POST uploads, Stockroom and the raw pipe-to-file server alternating; the first of each checked. */
async function measureUploads(file, sha256, raw) {
  const runs = { stockroom: [], raw: [] };
  for (let round = 0; round < BIG_ROUNDS; round++) {
    const order = round % 2 ? ['stockroom', 'raw'] : ['raw', 'stockroom'];
    for (const who of order) {
      if (who === 'raw') {
        const r = await curl(['-X', 'POST', '-T', file, '-o', '/dev/null', `${raw.base}/upload`], [201]);
        if (round === 0) {
          const [stored] = await readdir(raw.dir);
          const got = await sha256File(join(raw.dir, stored));
          if (got !== sha256) throw new Error(`raw upload server stored sha256 ${got}, expected ${sha256}`);
        }
        runs.raw.push(r.size_upload / r.time_total);
        await raw.clear();
      } else {
        const path = `up/up-${round}.bin`;
        const r = await curl([...adminCurlArgs(), '-X', 'POST', '-T', file, '-o', '/dev/null', content(FEED, path)], [201]);
        if (round === 0) {
          const meta = await api('GET', `/endpoints/${FEED}/metadata/${path}`);
          if (meta.sha256 !== sha256 || Number(meta.size) !== BIG) {
            throw new Error(`Stockroom stored ${meta.size} bytes with sha256 ${meta.sha256}, expected ${BIG} with ${sha256}`);
          }
        }
        runs.stockroom.push(r.size_upload / r.time_total);
        await api('DELETE', `/endpoints/${FEED}/content/${path}`);
      }
    }
    log(`  upload ${BIG_LABEL} #${round + 1} (MiB/s): raw Node ${mibps(runs.raw[round]).toFixed(0)}, Stockroom ${mibps(runs.stockroom[round]).toFixed(0)}`);
  }
  return { stockroom: { median: median(runs.stockroom), runs: runs.stockroom }, raw: { median: median(runs.raw), runs: runs.raw } };
}

/** LIST_COUNT file rows inserted in SQL (as bench/run.mjs does), then ROUNDS recursive listings plain and gzip, alternating. */
async function measureListing(databaseUrl) {
  await api('POST', '/api/management/feeds/create', { name: LIST_FEED, feedType: 'asset' });
  const { key } = await api('POST', '/api/api-keys/create', { type: 'Feed', feed: LIST_FEED, packagePermissions: ['view'] });
  await insertListingRows(databaseUrl, LIST_FEED, LIST_COUNT);
  const url = `${ctx.base}/endpoints/${LIST_FEED}/dir/?recursive=true`;
  const body = join(ctx.tmp, 'listing.out');
  const headersFile = join(ctx.tmp, 'listing.headers');
  const variants = [
    { id: 'plain', label: 'plain', headers: [`X-ApiKey: ${key}`] },
    { id: 'gzip', label: 'Accept-Encoding: gzip', headers: [`X-ApiKey: ${key}`, 'Accept-Encoding: gzip'] },
    { id: 'br', label: 'Accept-Encoding: br', headers: [`X-ApiKey: ${key}`, 'Accept-Encoding: br'] },
  ];
  const decode = { identity: (b) => b, gzip: gunzipSync, br: brotliDecompressSync };
  const runs = { plain: [], gzip: [], br: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of rotate(variants, round)) {
      // No --compressed: curl keeps the body as sent, so size_download is the bytes on the wire (compressed or not).
      const r = await curl([...v.headers.flatMap((h) => ['-H', h]), '-D', headersFile, '-o', body, url], [200]);
      const encoding = /^content-encoding:\s*(\S+)/im.exec(await readFile(headersFile, 'utf8'))?.[1]?.toLowerCase() ?? 'identity';
      if (v.id === 'plain' && encoding !== 'identity') throw new Error(`listing without Accept-Encoding came ${encoding}-encoded`);
      if (![v.id, 'identity'].includes(encoding)) throw new Error(`listing came with Content-Encoding ${encoding}, not asked for`);
      const entries = JSON.parse(decode[encoding](await readFile(body)).toString('utf8'));
      if (!Array.isArray(entries) || entries.length !== LIST_COUNT) {
        throw new Error(`listing (${v.label}) returned ${Array.isArray(entries) ? entries.length : typeof entries} entries, expected ${LIST_COUNT}`);
      }
      runs[v.id].push({ seconds: r.time_total, firstByte: r.time_starttransfer, bytes: r.size_download, encoding });
      log(`  listing ${v.label} #${round + 1}: ${r.time_total.toFixed(2)} s (first byte ${r.time_starttransfer.toFixed(2)} s), ` +
        `${mb(r.size_download).toFixed(1)} MB sent, ${encoding}, ${entries.length} entries`);
    }
  }
  await rm(body, { force: true });
  return Object.fromEntries(Object.entries(runs).map(([id, rs]) => [id, {
    seconds: median(rs.map((r) => r.seconds)), bytes: median(rs.map((r) => r.bytes)), encoding: rs[0].encoding, runs: rs,
  }]));
}

// ---------------------------------------------------------------- report

const f0 = (x) => (x == null || Number.isNaN(x) ? '' : x.toFixed(0));
const f1 = (x) => (x == null || Number.isNaN(x) ? '' : x.toFixed(1));
const f2 = (x) => (x == null || Number.isNaN(x) ? '' : x.toFixed(2));

function lines(r) {
  const rows = [];
  const add = (measure, value, reference, ratio, goal, result) => rows.push({ measure, value, reference, ratio, goal, result });
  const atLeast = (ratio, goal, min) => (ratio >= goal ? 'PASS' : min != null && ratio >= min ? 'BELOW (min met)' : 'BELOW');
  if (!LISTING_ONLY) {
    for (const phase of PHASES) {
      const h = r.hot[phase.id];
      const w = r.workers[phase.id];
      const who = `${phase.label}: ${w.processes} process${w.processes > 1 ? 'es' : ''}`;
      for (const size of SIZES) {
        const s = h.summary[size.id];
        const ratio = s.stockroom.rps / s.nginx.rps;
        add(`${size.label} GET, req/s (${who})`, f0(s.stockroom.rps), `nginx ${f0(s.nginx.rps)}`, f2(ratio),
          size.goal ? `≥ ${f2(size.goal)} (min ${f2(size.min)})` : 'info', size.goal ? atLeast(ratio, size.goal, size.min) : 'info');
        add(`  vs bare Node, from memory`, f0(s.stockroom.rps), `node ${f0(s.node.rps)}`, f2(s.stockroom.rps / s.node.rps), 'info', 'info');
        add(`  p99 latency, ms`, f2(s.stockroom.p99), `nginx ${f2(s.nginx.p99)}, node ${f2(s.node.p99)}`, f2(s.stockroom.p99 / s.nginx.p99), 'info', 'info');
      }
    }
    const d = r.download;
    const dn = d.stockroom.median / d.nginx.median;
    const dr = d.stockroom.median / d.node.median;
    add(`${BIG_LABEL} download, MiB/s (median of ${BIG_ROUNDS})`, f0(mibps(d.stockroom.median)), `nginx ${f0(mibps(d.nginx.median))}`, f2(dn), '≥ 0.80', atLeast(dn, 0.8));
    add('  vs bare Node, 1 MiB reads', f0(mibps(d.stockroom.median)), `node ${f0(mibps(d.node.median))}`, f2(dr), '≥ 0.90', atLeast(dr, 0.9));
    const u = r.upload;
    const ur = u.stockroom.median / u.raw.median;
    add(`${BIG_LABEL} upload, one POST, MiB/s (median of ${BIG_ROUNDS})`, f0(mibps(u.stockroom.median)), `node pipe-to-file ${f0(mibps(u.raw.median))}`,
      f2(ur), '≥ 0.50', atLeast(ur, 0.5));
  }
  const l = r.listing;
  const items = LIST_COUNT.toLocaleString('en-US');
  add(`Listing ${items} files, plain: s to last byte`, f2(l.plain.seconds), '', '', '≤ 2 s', l.plain.seconds <= 2 ? 'PASS' : 'BELOW');
  add('  bytes sent, MB', f1(mb(l.plain.bytes)), '', '', 'info', 'info');
  add(`Listing ${items} files, gzip: s to last byte`, f2(l.gzip.seconds), `plain ${f2(l.plain.seconds)}`, f2(l.gzip.seconds / l.plain.seconds),
    '≤ 2 s', l.gzip.seconds <= 2 ? 'PASS' : 'BELOW');
  add(`  bytes sent, MB (${l.gzip.encoding === 'gzip' ? 'gzip' : 'NOT compressed'})`, f1(mb(l.gzip.bytes)), `plain ${f1(mb(l.plain.bytes))}`,
    f2(l.gzip.bytes / l.plain.bytes), 'info', 'info');
  add(`Listing ${items} files, br: s to last byte`, f2(l.br.seconds), `plain ${f2(l.plain.seconds)}`, f2(l.br.seconds / l.plain.seconds),
    '≤ 2 s', l.br.seconds <= 2 ? 'PASS' : 'BELOW');
  add(`  bytes sent, MB (${l.br.encoding === 'br' ? 'br' : 'NOT compressed'})`, f1(mb(l.br.bytes)), `plain ${f1(mb(l.plain.bytes))}`,
    f2(l.br.bytes / l.plain.bytes), 'info', 'info');
  for (const phase of phasesRun()) {
    const m = r.rss[phase.id];
    add(`Peak RSS per worker, MB (${phase.label}: ${m.processes} process${m.processes > 1 ? 'es' : ''})`, f0(mb(m.maxPerWorker)),
      `idle ${f0(mb(m.idle))}${m.primaryPeak ? `, primary ${f0(mb(m.primaryPeak))}` : ''}`, '', '≤ 250 MB', m.maxPerWorker <= RSS_GOAL ? 'PASS' : 'BELOW');
  }
  return rows;
}

// ---------------------------------------------------------------- main

async function main() {
  const facts = {
    cores: os.cpus().length, cpu: os.cpus()[0]?.model.trim(), memoryGiB: (os.totalmem() / GiB).toFixed(1),
    node: process.version, os: `${os.type()} ${os.release()}`, loadBefore: os.loadavg()[0].toFixed(2), quick: QUICK,
  };
  await ensureBuild();
  await ensureTool('curl', 'curl');
  await ensureTool('nginx', 'nginx-light');
  await ensureTool('wrk', 'wrk');
  facts.curl = (await run('curl', ['--version'])).stdout.split(' ').slice(0, 2).join(' ');
  facts.nginx = (await run('nginx', ['-v'])).stderr.trim().replace('nginx version: ', '');
  facts.wrk = (await run('wrk', ['-v'])).stdout.split('\n')[0].replace(/ Copyright.*/, '').trim() || 'wrk';
  facts.build = await describeServerBuild(); // which server was measured

  await makeTempDir();
  const files = join(ctx.tmp, 'files');
  await mkdir(files, { mode: 0o755 });
  await writeFile(join(files, 'ready.txt'), 'ok');
  const { bavail, bsize } = await statfs(ctx.tmp);
  const need = 6 * BIG + 1e9;
  if (bavail * bsize < need) throw new Error(`only ${((bavail * bsize) / 1e9).toFixed(1)} GB free under /tmp; ${(need / 1e9).toFixed(1)} GB needed`);
  const bodies = {};
  for (const size of SIZES) {
    bodies[size.id] = randomBytes(size.size);
    await writeFile(join(files, size.name), bodies[size.id], { mode: 0o644 });
  }
  const bigFile = join(files, 'big.bin');
  log(`writing the ${BIG_LABEL} test file…`);
  const bigSha = await makeFile(bigFile, BIG);

  // References, up for the whole run.
  const nginx = await startNginx(files, { workerConnections: 1024, workerProcesses: NGINX_WORKERS, extraHttp: '  keepalive_requests 1000000;\n' });
  const bare = startChild('hot-node-server', process.execPath, [join(ROOT, 'bench/hot-node-server.mjs'), '0', files], { logFile: join(ctx.tmp, 'hot-node-server.log') });
  const [, barePort] = await waitForLine(bare, /^hot node server listening on (\d+)$/, 15_000);
  const bareBase = `http://127.0.0.1:${barePort}`;
  await waitForHttp(`${bareBase}/mem/ready.txt`, bare, 15_000);
  const rawDir = join(ctx.tmp, 'raw-uploads');
  await mkdir(rawDir);
  const rawChild = startChild('raw-upload-server', process.execPath, [join(ROOT, 'bench/raw-upload-server.mjs'), '0', rawDir], { logFile: join(ctx.tmp, 'raw-upload-server.log') });
  const [, rawPort] = await waitForLine(rawChild, /^raw upload server listening on (\d+)$/, 15_000);
  const raw = { base: `http://127.0.0.1:${rawPort}`, dir: rawDir, clear: async () => Promise.all((await readdir(rawDir)).map((f) => rm(join(rawDir, f)))) };
  await waitForHttp(`${raw.base}/`, rawChild, 15_000);

  const databaseUrl = await setupDatabase();
  facts.database = databaseUrl ? `local PostgreSQL (${ctx.dbName})` : 'embedded PostgreSQL (started by the server)';

  const r = { hot: {}, workers: {}, rss: {} };
  let key;
  for (const phase of PHASES) {
    log(`== Stockroom with ${phase.label}`);
    await startStockroom(databaseUrl, phase.env);
    const tracker = new RssTracker(ctx.server.pid);
    try {
      await tracker.section(`${phase.label}: setup`);
      if (phase === PHASES[0]) {
        // Directory, files and a feed key (view) — as the admin.
        await api('POST', '/api/management/feeds/create', { name: FEED, feedType: 'asset' });
        for (const size of SIZES) {
          await curl([...adminCurlArgs(), '-X', 'POST', '-T', join(files, size.name), '-o', '/dev/null', content(FEED, size.name)], [201]);
        }
        await curl([...adminCurlArgs(), '-X', 'POST', '-T', bigFile, '-o', '/dev/null', content(FEED, 'big.bin')], [201]);
        ({ key } = await api('POST', '/api/api-keys/create', { type: 'Feed', feed: FEED, packagePermissions: ['view'] }));
        if (typeof key !== 'string' || !key) throw new Error('api-keys/create returned no key');
      }
      // Let the workers (if any) start, then count the processes the server runs.
      await new Promise((res) => setTimeout(res, 1000));
      const procs = await serverProcesses(ctx.server.pid);
      const reported = reportedWorkers(ctx.server);
      r.workers[phase.id] = { processes: procs.size, reported: reported?.count ?? null, reportedLine: reported?.line ?? null };
      log(`server processes: ${procs.size} (${[...procs].map(([pid, comm]) => `${pid} ${comm}`).join(', ')}); ` +
        `workers reported in its log: ${reported ? `${reported.count} ("${reported.line}")` : 'n/a'}`);

      const keyHeader = [`X-ApiKey: ${key}`];
      const variantsBySize = Object.fromEntries(SIZES.map((size) => [size.id, [
        { id: 'nginx', label: 'nginx', url: `${nginx.base}/${size.name}`, headers: [] },
        { id: 'node', label: 'bare Node', url: `${bareBase}/mem/${size.name}`, headers: [] },
        { id: 'stockroom', label: `Stockroom (${phase.label})`, url: content(FEED, size.name), headers: keyHeader },
      ]]));
      // Every variant gets the exact file; Stockroom refuses the request without the key (the 200 proves the key was checked).
      log('checking answers…');
      for (const size of SIZES) {
        await expectStatus(`Stockroom ${size.label} without a key`, content(FEED, size.name), [], 401);
        for (const v of variantsBySize[size.id]) await expectBody(`${v.label} ${size.label}`, v.url, v.headers, bodies[size.id]);
      }
      const serverPids = { all: new Set(procs.keys()), bare: bare.pid };
      await tracker.section(`${phase.label}: 4 KiB and 1 MiB GETs`);
      r.hot[phase.id] = await measureHot(phase, variantsBySize, serverPids);
      for (const size of SIZES) for (const v of variantsBySize[size.id]) await expectBody(`${v.label} ${size.label} after the runs`, v.url, v.headers, bodies[size.id]);

      if (phase === PHASES[0]) {
        const downloads = [
          { id: 'nginx', label: 'nginx', url: `${nginx.base}/big.bin`, headers: [] },
          { id: 'node', label: 'bare Node', url: `${bareBase}/stream/big.bin`, headers: [] },
          { id: 'stockroom', label: 'Stockroom', url: content(FEED, 'big.bin'), headers: keyHeader },
        ];
        log(`${BIG_LABEL} downloads: checking each answer's sha256…`);
        for (const v of downloads) await expectLargeBody(`${v.label} ${BIG_LABEL}`, v.url, v.headers, BIG, bigSha);
        await tracker.section(`${phase.label}: ${BIG_LABEL} downloads`);
        log(`${BIG_LABEL} downloads, ${BIG_ROUNDS} rounds alternating…`);
        r.download = await measureDownloads(downloads);
        await tracker.section(`${phase.label}: ${BIG_LABEL} uploads`);
        log(`${BIG_LABEL} uploads, ${BIG_ROUNDS} rounds alternating…`);
        r.upload = await measureUploads(bigFile, bigSha, raw);
        await tracker.section(`${phase.label}: listings (and their SQL setup)`);
        log(`listing ${LIST_COUNT} files…`);
        r.listing = await measureListing(databaseUrl);
      }
    } finally {
      await stopServer(tracker);
    }
    r.rss[phase.id] = tracker.summary();
  }
  await stopChild(nginx.child);
  await stopChild(bare);
  await stopChild(rawChild);
  facts.loadAfter = os.loadavg()[0].toFixed(2);

  // ---------------------------------------------------------------- print and write
  const rows = lines(r);
  const workersText = PHASES.map((p) => `${p.label}: ${r.workers[p.id].processes} server process(es), ` +
    `workers reported ${r.workers[p.id].reported ?? 'n/a'}`).join('; ');
  const other = median(PHASES.flatMap((p) => SIZES.flatMap((s) => Object.values(r.hot[p.id].summary[s.id]).map((x) => x.otherCpu))));
  console.log(`\nMachine: ${facts.cores} cores (${facts.cpu}), ${facts.memoryGiB} GiB RAM, Node ${facts.node}, ${facts.os}, ${facts.curl}, ${facts.nginx}, ${facts.wrk}`);
  console.log(`Server: ${facts.build}; ${workersText}`);
  console.log(`Database: ${facts.database}; 1-min load average ${facts.loadBefore} before, ${facts.loadAfter} after; ` +
    `CPU of other work during the wrk runs: median ${f0(other)} % of a core (other work skews the figures)`);
  console.log(`${QUICK ? 'QUICK MODE (checks the script; figures not meaningful): ' : ''}wrk -t${THREADS} -c${CONNECTIONS} -d${SECONDS}s --latency, ` +
    `median of ${ROUNDS} rounds after a ${WARMUP} s warm-up, feed API key; nginx: ${NGINX_WORKERS} worker(s), sendfile; ` +
    `${BIG_LABEL} transfers with curl, median of ${BIG_ROUNDS}; MiB/s = 2^20 bytes/s, MB = 10^6 bytes\n`);
  console.log(table(['Measure', 'Stockroom', 'Reference', 'Ratio', 'Goal', 'Result'],
    rows.map((x) => [x.measure, x.value, x.reference, x.ratio, x.goal, x.result])));
  console.log('\nPeak RSS (VmHWM, MB) per section and process:');
  const rssRows = PHASES.flatMap((p) => r.rss[p.id].sections.map((s) => [s.name,
    s.processes.map((x) => `${x.role} ${x.pid}: ${f0(mb(x.peak))}`).join(', ')]));
  console.log(table(['Section', 'Processes'], rssRows));
  if (PHASES.some((p) => r.rss[p.id].resetRefused)) console.log('(the kernel refused clear_refs: peaks are since each process started)');
  const failed = PHASES.flatMap((p) => SIZES.flatMap((s) => Object.values(r.hot[p.id].summary[s.id])
    .filter((x) => x.failure).map((x) => `${s.label} ${x.label}: ${x.failure}`)));
  const socketErrors = PHASES.flatMap((p) => SIZES.flatMap((s) => Object.values(r.hot[p.id].summary[s.id])
    .filter((x) => x.socketErrors).map((x) => `${s.label} ${x.label}: ${x.socketErrors}`)));
  if (socketErrors.length) console.log(`wrk socket errors (timeouts, resets): ${socketErrors.join('; ')}`);

  await mkdir(dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, JSON.stringify({
    date: new Date().toISOString(), machine: facts,
    settings: { quick: QUICK, seconds: SECONDS, rounds: ROUNDS, bigRounds: BIG_ROUNDS, warmupSeconds: WARMUP, threads: THREADS,
      connections: CONNECTIONS, bigBytes: BIG, listCount: LIST_COUNT, nginxWorkers: NGINX_WORKERS },
    rows, ...r,
  }, null, 2));
  console.log(`\nResults written to ${RESULTS}`);
  if (failed.length) throw new Error(`wrong answers under load, the figures do not count: ${failed.join('; ')}`);
}

/** BENCH_HOT_ONLY=listing: the listings alone, with the default workers, and the server's peak RSS meanwhile. */
async function mainListing() {
  await ensureBuild();
  await ensureTool('curl', 'curl');
  const build = await describeServerBuild();
  const loadBefore = os.loadavg()[0].toFixed(2);
  await makeTempDir();
  const databaseUrl = await setupDatabase();
  const [phase] = phasesRun();
  await startStockroom(databaseUrl, phase.env);
  const tracker = new RssTracker(ctx.server.pid);
  const r = { rss: {} };
  try {
    await tracker.section(`${phase.label}: started`);
    await new Promise((res) => setTimeout(res, 1000));
    await tracker.section(`${phase.label}: listings (and their SQL setup)`);
    r.listing = await measureListing(databaseUrl);
  } finally {
    await stopServer(tracker);
  }
  r.rss[phase.id] = tracker.summary();
  console.log(`\nServer: ${build}; 1-min load average ${loadBefore} before, ${os.loadavg()[0].toFixed(2)} after; median of ${ROUNDS} rounds\n`);
  console.log(table(['Measure', 'Stockroom', 'Reference', 'Ratio', 'Goal', 'Result'],
    lines(r).map((x) => [x.measure, x.value, x.reference, x.ratio, x.goal, x.result])));
  console.log('\nPeak RSS (VmHWM, MB) per section and process:');
  console.log(table(['Section', 'Processes'], r.rss[phase.id].sections.map((s) => [s.name,
    s.processes.map((x) => `${x.role} ${x.pid}: ${f0(mb(x.peak))}`).join(', ')])));
  await mkdir(dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, JSON.stringify({ date: new Date().toISOString(), build, rounds: ROUNDS, listCount: LIST_COUNT, ...r }, null, 2));
  console.log(`\nResults written to ${RESULTS}`);
}

await runBench(LISTING_ONLY ? mainListing : main);
