// Stockroom console benchmark: the browse page on a folder of 100,000 files in Debian's Chromium (playwright-core):
// load, JS heap, virtual scrolling frame times, sort and filter, and the console's bundle sizes. Figures, not tests.
// Usage: node bench/console.mjs   (see bench/README.md; BENCH_QUICK=1: 10,000 files, 1 round)
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import {
  GiB, ROOT, ADMIN_USER, api, ctx, ensureBuild, log, makeTempDir, median, run, runBench, serverDatabaseUrl, setupDatabase,
  startStockroom, table,
} from './lib.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const RESULTS = join(ROOT, QUICK ? 'dist/bench/console-results-quick.json' : 'dist/bench/console-results.json');
const WEB = join(ROOT, 'dist/apps/web/browser');
const CHROMIUM = process.env.BENCH_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];
const VIEWPORT = { width: 1280, height: 800 };
const FEED = 'big';
const FOLDER = 'many';
const FILES = QUICK ? 10_000 : 100_000;
const ROUNDS = QUICK ? 1 : 3;
const SCROLL_STEP = 2000; // px added to scrollTop per animation frame, top to bottom
const WHEEL_STEP = 100; // px per frame (6,000 px/s at 60 fps: a brisk mouse wheel), WHEEL_FRAMES frames from the middle
const WHEEL_FRAMES = 300;
const FRAME_BUDGET = 1000 / 60; // 16.7 ms
const FRAGMENT = '42'; // filter text
const WAIT_MS = 180_000;
// File i (1…FILES): a unique size (7919 is prime, so i·7919 mod FILES is a permutation) and four media types.
const PRIME = 7919;
const TYPES = [['bin', 'application/octet-stream'], ['txt', 'text/plain'], ['png', 'image/png'], ['zip', 'application/zip']];
const nameOf = (i) => `file-${String(i).padStart(6, '0')}.${TYPES[i % TYPES.length][0]}`;
const sizeOf = (i) => 1000 + ((i * PRIME) % FILES) * 13;
const seconds = (t0) => (performance.now() - t0) / 1000;

// ---------------------------------------------------------------- setup

/** `npx nx build web` (Nx's cache makes it quick when nothing changed); a failed build falls back to an existing one. */
async function buildConsole() {
  if (process.env.BENCH_NO_WEB_BUILD === '1' && existsSync(join(WEB, 'index.html'))) return 'not rebuilt (BENCH_NO_WEB_BUILD=1)';
  log('building the console (npx nx build web)…');
  const t0 = performance.now();
  const r = await run('npx', ['nx', 'build', 'web'], { cwd: ROOT, env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' } });
  const output = r.stdout + r.stderr;
  const cached = /existing outputs match the cache|local cache/i.test(output);
  if (r.code !== 0) {
    if (!existsSync(join(WEB, 'index.html'))) throw new Error(`npx nx build web failed:\n${output.split('\n').slice(-40).join('\n')}`);
    log(`WARNING: npx nx build web exited with ${r.code}; measuring the existing build:\n${output.split('\n').slice(-15).join('\n')}`);
    return `BUILD FAILED (exit ${r.code}), existing build measured`;
  }
  log(`  built in ${seconds(t0).toFixed(0)} s${cached ? ' (from the Nx cache)' : ''}`);
  return cached ? 'nx build web (from the Nx cache)' : 'nx build web';
}

/** The directory, its folder, and FILES file rows inserted in SQL (plausible hashes; no blobs: listing reads rows only). */
async function createData() {
  await api('POST', '/api/management/feeds/create', { name: FEED, feedType: 'asset' });
  await api('POST', `/endpoints/${FEED}/dir/${FOLDER}`);
  const db = new pg.Client({ connectionString: await serverDatabaseUrl(ctx.databaseUrl) });
  await db.connect();
  const t0 = performance.now();
  try {
    const { rows } = await db.query(`SELECT id FROM feeds WHERE name_lower = $1`, [FEED]);
    const ext = `(ARRAY[${TYPES.map(([e]) => `'${e}'`).join(',')}])[i % ${TYPES.length} + 1]`;
    const type = `(ARRAY[${TYPES.map(([, t]) => `'${t}'`).join(',')}])[i % ${TYPES.length} + 1]`;
    await db.query(
      `INSERT INTO asset_items (feed_id, path, path_lower, parent_lower, name, name_lower, kind, size, media_type, blob_key,
         md5, sha1, sha256, sha512, created_at, modified_at)
       SELECT $1, '${FOLDER}/' || n, '${FOLDER}/' || n, '${FOLDER}', n, n, 'file', 1000 + ((i::bigint * ${PRIME}) % $2) * 13, t,
         'blobs/bench/' || n, md5(n), left(md5(n) || md5(n || '1'), 40), md5(n) || md5(n || '2'),
         md5(n) || md5(n || '3') || md5(n || '4') || md5(n || '5'), now() - (i || ' minutes')::interval, now() - (i || ' minutes')::interval
       FROM (SELECT i, 'file-' || lpad(i::text, 6, '0') || '.' || ${ext} AS n, ${type} AS t FROM generate_series(1, $2::int) AS i) AS s`,
      [rows[0].id, FILES],
    );
    await db.query('ANALYZE asset_items');
  } finally {
    await db.end();
  }
  return seconds(t0);
}

// ---------------------------------------------------------------- in the page

/** Installed in every measured page: waits on DOM changes, "after the next paint", and the first-load marks. */
function pageHelpers(total) {
  const afterPaint = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => resolve(performance.now()), 0)));
  /** Resolves with performance.now() when `pred()` first holds (checked on every DOM change, and every frame). */
  const until = (pred, timeoutMs = 180_000) => new Promise((resolve, reject) => {
    if (pred()) return resolve(performance.now());
    const deadline = performance.now() + timeoutMs;
    let done = false;
    const finish = () => {
      done = true;
      observer.disconnect();
      resolve(performance.now());
    };
    const observer = new MutationObserver(() => !done && pred() && finish());
    observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    const poll = () => {
      if (done) return;
      if (pred()) return finish();
      if (performance.now() > deadline) {
        observer.disconnect();
        return reject(new Error('timed out'));
      }
      requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
  });
  const countText = (n) => `${new Intl.NumberFormat().format(n)} ${n === 1 ? 'item' : 'items'}`;
  const status = () => document.querySelector('app-browse-listing .status')?.textContent.trim();
  const rowName = (index) => document.querySelector(`[data-testid="entry-row"][data-index="${index}"]`)?.getAttribute('data-name');
  const marks = {};
  window.__bench = { afterPaint, until, countText, status, rowName, marks };
  // First load, timed from the navigation's start (performance.now()'s origin).
  if (!location.pathname.includes('/browse/')) return;
  until(() => document.querySelector('[data-testid="entry-row"]')).then(async (t) => {
    marks.firstRowDom = t;
    marks.firstRowPainted = await afterPaint();
  });
  until(() => status() === countText(total)).then(async (t) => {
    marks.countDom = t;
    marks.countPainted = await afterPaint();
  });
}

/**
 * Scrolls the viewport `step` px per frame from `from` (share of the height) to the bottom or for `frames` frames;
 * rAF deltas, blank frames and long tasks.
 */
async function scrollInPage({ step, from, frames }) {
  const b = window.__bench;
  const vp = document.querySelector('cdk-virtual-scroll-viewport');
  vp.scrollTop = Math.round(from * (vp.scrollHeight - vp.clientHeight));
  for (let i = 0; i < 10; i++) await b.afterPaint();
  const longTasks = [];
  const po = new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((e) => e.duration)));
  po.observe({ type: 'longtask' });
  const deltas = [];
  let blank = 0;
  let checked = 0;
  let blankSample;
  const rect = vp.getBoundingClientRect();
  // After the frame is drawn (a task after rAF): is there a row under the viewport's centre?
  const check = () => {
    checked++;
    const el = document.elementFromPoint(rect.left + rect.width / 2, rect.top + rect.height / 2);
    if (el?.closest('[data-testid="entry-row"]')) return;
    blank++;
    blankSample ??= el ? `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} at scrollTop ${vp.scrollTop}` : 'nothing';
  };
  const t0 = performance.now();
  await new Promise((resolve) => {
    let last;
    const tick = (t) => {
      if (last !== undefined) deltas.push(t - last);
      last = t;
      const max = vp.scrollHeight - vp.clientHeight;
      if (vp.scrollTop >= max - 1 || deltas.length >= (frames ?? Infinity)) return resolve();
      vp.scrollTop = Math.min(max, vp.scrollTop + step);
      setTimeout(check, 0);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const ms = performance.now() - t0;
  for (let i = 0; i < 3; i++) await b.afterPaint();
  po.disconnect();
  const lastRow = [...document.querySelectorAll('[data-testid="entry-row"]')].map((r) => Number(r.dataset.index)).reduce((a, x) => Math.max(a, x), -1);
  return { deltas, blank, blankSample, checked, ms, longTasks, scrollHeight: vp.scrollHeight, lastRow };
}

/** Runs an action in the page and times it until `expect` holds in the DOM, and until the next paint. */
async function actInPage({ action, value, expect }) {
  const b = window.__bench;
  const pred = {
    firstRow: () => b.rowName(0) === expect.firstRow && (!expect.status || b.status() === expect.status),
    filtered: () => b.status() === expect.status && (b.rowName(0) ?? '').toLowerCase().includes(expect.contains),
  }[expect.kind];
  for (let i = 0; i < 3; i++) await b.afterPaint();
  const t0 = performance.now();
  if (action === 'click') document.querySelector(value).click();
  else {
    const input = document.querySelector('[data-testid="filter"]');
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }
  const dom = await b.until(pred);
  const painted = await b.afterPaint();
  return { dom: dom - t0, painted: painted - t0 };
}

// ---------------------------------------------------------------- the browser

async function launch() {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    throw new Error(`playwright-core is missing (npm ci installs it): ${e.message}`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set BENCH_CHROMIUM)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

async function signIn(context) {
  const page = await context.newPage();
  await page.goto(`${ctx.base}/sign-in`);
  await page.getByLabel('User name').fill(ADMIN_USER);
  await page.getByLabel('Password').fill(ctx.adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'), { timeout: 30_000 });
  await page.close();
  const cookies = await context.cookies(ctx.base);
  if (!cookies.length) throw new Error('signed in, but the browser holds no cookie');
  return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

/** Reference: the listing fetched by Node with the browser's session cookie; parse timed separately. */
async function fetchListing(cookie) {
  const t0 = performance.now();
  const res = await fetch(`${ctx.base}/endpoints/${FEED}/dir/${FOLDER}/`, { headers: { Cookie: cookie } });
  const text = await res.text();
  const fetchMs = performance.now() - t0;
  if (res.status !== 200) throw new Error(`GET dir/${FOLDER}/: HTTP ${res.status} ${text.slice(0, 300)}`);
  const t1 = performance.now();
  const items = JSON.parse(text);
  const parseMs = performance.now() - t1;
  if (!Array.isArray(items) || items.length !== FILES) throw new Error(`listing has ${items.length} entries, expected ${FILES}`);
  return { fetchMs, parseMs, bytes: Buffer.byteLength(text) };
}

/** One round in a fresh tab: load, heap, scroll, sort, filter. */
async function consoleRound(context, expected) {
  const page = await context.newPage();
  const scripts = [];
  page.on('request', (req) => req.resourceType() === 'script' && scripts.push(new URL(req.url()).pathname.slice(1)));
  await page.addInitScript(pageHelpers, FILES);
  const cdp = await context.newCDPSession(page);
  const url = `${ctx.base}/feeds/${FEED}/browse/${FOLDER}`;
  await page.goto(url);
  await page.waitForFunction(() => window.__bench?.marks.countPainted && window.__bench.marks.firstRowPainted, null, { timeout: WAIT_MS });
  const load = await page.evaluate((listing) => {
    const entry = performance.getEntriesByType('resource').find((e) => new URL(e.name).pathname.replace(/\/$/, '') === listing);
    return { ...window.__bench.marks, listingEnd: entry?.responseEnd, listingStart: entry?.startTime, domNodes: document.getElementsByTagName('*').length,
      rows: document.querySelectorAll('[data-testid="entry-row"]').length };
  }, `/endpoints/${FEED}/dir/${FOLDER}`);
  await page.waitForTimeout(1000);
  const heapBefore = await cdp.send('Runtime.getHeapUsage');
  await cdp.send('HeapProfiler.collectGarbage');
  const heapAfter = await cdp.send('Runtime.getHeapUsage');
  const scroll = await page.evaluate(scrollInPage, { step: SCROLL_STEP, from: 0 });
  const wheel = await page.evaluate(scrollInPage, { step: WHEEL_STEP, from: 0.5, frames: WHEEL_FRAMES });
  await page.evaluate(() => (document.querySelector('cdk-virtual-scroll-viewport').scrollTop = 0));
  const total = await page.evaluate((n) => window.__bench.countText(n), FILES);
  const shown = await page.evaluate(({ m, n }) => `${new Intl.NumberFormat().format(m)} of ${new Intl.NumberFormat().format(n)} items`, { m: expected.matches, n: FILES });
  const sortAsc = await page.evaluate(actInPage, { action: 'click', value: '[data-testid="sort-size"]', expect: { kind: 'firstRow', firstRow: expected.smallest } });
  const sortDesc = await page.evaluate(actInPage, { action: 'click', value: '[data-testid="sort-size"]', expect: { kind: 'firstRow', firstRow: expected.largest } });
  const filter = await page.evaluate(actInPage, { action: 'input', value: FRAGMENT, expect: { kind: 'filtered', status: shown, contains: FRAGMENT } });
  const clear = await page.evaluate(actInPage, { action: 'input', value: '', expect: { kind: 'firstRow', firstRow: expected.largest, status: total } });
  await cdp.detach();
  await page.close();
  return { load, heap: { usedBeforeGc: heapBefore.usedSize, usedAfterGc: heapAfter.usedSize, total: heapAfter.totalSize }, scroll, wheel, sortAsc, sortDesc, filter, clear, scripts };
}

// ---------------------------------------------------------------- bundle

/** Initial files = index.html's <script src> and <link rel="modulepreload">, plus its stylesheet; browse = other scripts the browse page loaded. */
async function bundleSizes(browseScripts) {
  const html = await readFile(join(WEB, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/<script[^>]*\ssrc="([^"]+\.js)"|<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => m[1] ?? m[2]);
  const styles = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+\.css)"/g)].map((m) => m[1]);
  const size = async (file) => {
    const bytes = await readFile(join(WEB, file));
    return { file, raw: bytes.length, gzip: gzipSync(bytes).length };
  };
  const sum = (xs) => ({ raw: xs.reduce((a, x) => a + x.raw, 0), gzip: xs.reduce((a, x) => a + x.gzip, 0), files: xs });
  const allJs = (await readdir(WEB)).filter((f) => f.endsWith('.js'));
  const initialSet = new Set(initial);
  const browse = [...new Set(browseScripts)].filter((f) => !initialSet.has(f) && allJs.includes(f));
  const browseSet = new Set(browse);
  return {
    main: await size(initial.find((f) => f.startsWith('main-')) ?? initial[0]),
    initial: sum(await Promise.all(initial.map(size))),
    styles: sum(await Promise.all([...new Set(styles)].map(size))),
    browse: sum(await Promise.all(browse.map(size))),
    otherLazy: sum(await Promise.all(allJs.filter((f) => !initialSet.has(f) && !browseSet.has(f)).map(size))),
  };
}

// ---------------------------------------------------------------- main

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function main() {
  const t0 = performance.now();
  const facts = {
    cores: os.cpus().length, cpu: os.cpus()[0]?.model.trim(), memoryGiB: (os.totalmem() / GiB).toFixed(1), node: process.version,
    os: `${os.type()} ${os.release()}`, loadBefore: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  };
  await ensureBuild();
  facts.webBuild = await buildConsole();
  const commit = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT })).stdout.trim();
  const dirty = (await run('git', ['status', '--porcelain', '--', 'apps/web', 'libs'], { cwd: ROOT })).stdout.trim() !== '';
  facts.build = `${commit || 'unknown commit'}${dirty ? ' + uncommitted changes in apps/web or libs' : ''}; console built ${(await stat(join(WEB, 'index.html'))).mtime.toISOString()}`;

  await makeTempDir();
  const databaseUrl = await setupDatabase();
  ctx.databaseUrl = databaseUrl;
  facts.database = databaseUrl ? `local PostgreSQL (${ctx.dbName})` : 'embedded PostgreSQL (started by the server)';
  await startStockroom(databaseUrl);
  log(`inserting ${FILES} files into ${FEED}/${FOLDER}…`);
  facts.insertSeconds = await createData();
  log(`  ${facts.insertSeconds.toFixed(1)} s`);

  // What the page should show: smallest and largest files, and how many names hold FRAGMENT.
  const ids = Array.from({ length: FILES }, (_, k) => k + 1);
  const expected = {
    smallest: nameOf(ids.reduce((a, i) => (sizeOf(i) < sizeOf(a) ? i : a))),
    largest: nameOf(ids.reduce((a, i) => (sizeOf(i) > sizeOf(a) ? i : a))),
    matches: ids.filter((i) => nameOf(i).includes(FRAGMENT)).length,
  };

  const browser = await launch();
  facts.chromium = `Chromium ${browser.version()}`;
  const rounds = [];
  const reference = [];
  try {
    const context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-US' });
    const cookie = await signIn(context);
    log('signed in through the console');
    for (let r = 0; r < ROUNDS; r++) {
      const ref = await fetchListing(cookie);
      reference.push(ref);
      log(`round ${r + 1}: server alone ${ref.fetchMs.toFixed(0)} ms (+ parse ${ref.parseMs.toFixed(0)} ms), ${(ref.bytes / 1e6).toFixed(1)} MB`);
      const c = await consoleRound(context, expected);
      rounds.push(c);
      const d = c.scroll.deltas;
      log(`  console: first row ${c.load.firstRowPainted.toFixed(0)} ms, count ${c.load.countPainted.toFixed(0)} ms; heap ${(c.heap.usedAfterGc / 1e6).toFixed(1)} MB; ` +
        `fling ${d.length} frames p95 ${pct(d, 95).toFixed(1)} ms, wheel p95 ${pct(c.wheel.deltas, 95).toFixed(1)} ms; sort ${c.sortAsc.painted.toFixed(0)}/${c.sortDesc.painted.toFixed(0)} ms; ` +
        `filter ${c.filter.painted.toFixed(0)} ms, clear ${c.clear.painted.toFixed(0)} ms`);
    }
    await context.close();
  } finally {
    await browser.close();
  }
  const bundle = await bundleSizes(rounds[0].scripts);
  facts.loadAfter = os.loadavg().map((x) => x.toFixed(2)).join(' ');

  // ---------------------------------------------------------------- report
  const n = (x) => x.toLocaleString('en-US');
  const f0 = (x) => (x == null || Number.isNaN(x) ? '—' : x.toFixed(0));
  const f1 = (x) => (x == null || Number.isNaN(x) ? '—' : x.toFixed(1));
  const stat3 = (xs, f = f0) => [f(median(xs)), xs.length > 1 ? `${f(Math.min(...xs))}–${f(Math.max(...xs))}` : ''];
  const row = (label, xs, f, note = '') => [label, ...stat3(xs, f), note];
  const ms = (pick) => rounds.map(pick);
  /** Frame-time rows of one scroll pass ('scroll' or 'wheel'). */
  const scrollRows = (key, title) => {
    const frames = rounds.map((c) => c[key].deltas);
    const pass = ms((c) => c[key]);
    const sample = pass.find((p) => p.blankSample)?.blankSample;
    return [
      row(`${title}: frames`, frames.map((d) => d.length), f0, `${f1(median(pass.map((p) => p.ms / 1000)))} s, ${n(median(pass.map((p) => p.scrollHeight)))} px high`),
      ...[50, 95, 99].map((p) => row(`${title}: frame time p${p} (ms)`, frames.map((d) => pct(d, p)), f1, budget(median(frames.map((d) => pct(d, p)))))),
      row(`${title}: frame time max (ms)`, frames.map((d) => Math.max(...d)), f1, budget(median(frames.map((d) => Math.max(...d))))),
      row(`${title}: frames over 16.7 ms (%)`, frames.map((d) => share(d, FRAME_BUDGET * 1.5)), f1, '> 25 ms: at least one vsync missed'),
      row(`${title}: frames over 50 ms (%)`, frames.map((d) => share(d, 50 + FRAME_BUDGET / 2)), f1, '> 58 ms: 3+ vsyncs missed, visible stutter'),
      row(`${title}: blank frames (%)`, pass.map((p) => (100 * p.blank) / p.checked), f1, `no row under the viewport centre after the frame${sample ? `; 1st: ${sample}` : ''}`),
      row(`${title}: long tasks (count)`, pass.map((p) => p.longTasks.length), f0, `total ${f0(median(pass.map((p) => p.longTasks.reduce((a, x) => a + x, 0))))} ms`),
    ];
  };
  const share = (ds, limit) => (100 * ds.filter((x) => x > limit).length) / ds.length;
  // rAF deltas come in whole vsync intervals with some jitter (16.6–16.8 ms): half an interval of slack.
  const budget = (x) => (x <= FRAME_BUDGET * 1.5 ? '60 fps (one vsync)' : `${(x / FRAME_BUDGET).toFixed(1)} × 16.7 ms`);
  const mbs = (b) => b / 1e6;
  const rows = [
    row(`Server alone: GET dir/${FOLDER}/, Node fetch, to last byte (ms)`, reference.map((r) => r.fetchMs), f0, `${f1(mbs(reference[0].bytes))} MB, ${n(FILES)} entries`),
    row('  + JSON.parse in Node (ms)', reference.map((r) => r.parseMs), f0),
    row('Console: listing response end, from navigation start (ms)', ms((c) => c.load.listingEnd), f0, 'resource timing'),
    row('Console: first row painted (ms)', ms((c) => c.load.firstRowPainted), f0, `DOM ${f0(median(ms((c) => c.load.firstRowDom)))} ms`),
    row(`Console: "${n(FILES)} items" painted (ms)`, ms((c) => c.load.countPainted), f0, `DOM ${f0(median(ms((c) => c.load.countDom)))} ms`),
    row('JS heap used after load (MB)', ms((c) => mbs(c.heap.usedBeforeGc)), f1, 'CDP Runtime.getHeapUsage'),
    row('JS heap used after load, after a GC (MB)', ms((c) => mbs(c.heap.usedAfterGc)), f1, `${f0(median(ms((c) => c.heap.usedAfterGc)) / FILES)} B per file, app included`),
    row('DOM elements after load / rows rendered', ms((c) => c.load.domNodes), f0, `${median(ms((c) => c.load.rows))} rows in the DOM`),
    ...scrollRows('scroll', `Fling: top→bottom, ${n(SCROLL_STEP)} px/frame`),
    row('Fling: last row reached (index)', ms((c) => c.scroll.lastRow), f0, `expected ${FILES - 1}`),
    ...scrollRows('wheel', `Wheel: ${WHEEL_STEP} px/frame from the middle`),
    row('Sort by size ▲: click → grid updated, painted (ms)', ms((c) => c.sortAsc.painted), f0, `DOM ${f0(median(ms((c) => c.sortAsc.dom)))} ms; first row ${expected.smallest}`),
    row('Sort by size ▼: click → grid updated, painted (ms)', ms((c) => c.sortDesc.painted), f0, `DOM ${f0(median(ms((c) => c.sortDesc.dom)))} ms; first row ${expected.largest}`),
    row(`Filter "${FRAGMENT}": input → grid updated, painted (ms)`, ms((c) => c.filter.painted), f0, `DOM ${f0(median(ms((c) => c.filter.dom)))} ms; ${n(expected.matches)} of ${n(FILES)} shown`),
    row('Clear the filter: input → grid updated, painted (ms)', ms((c) => c.clear.painted), f0, `DOM ${f0(median(ms((c) => c.clear.dom)))} ms; all ${n(FILES)} again`),
  ];
  const kb = (b) => `${(b / 1024).toFixed(1)} KiB`;
  const bundleRows = [
    ['main (initial)', bundle.main.file, kb(bundle.main.raw), kb(bundle.main.gzip)],
    [`initial JS (${bundle.initial.files.length} files)`, 'index.html <script> + modulepreload', kb(bundle.initial.raw), kb(bundle.initial.gzip)],
    ['initial CSS', bundle.styles.files.map((x) => x.file).join(' '), kb(bundle.styles.raw), kb(bundle.styles.gzip)],
    [`browse page, lazy (${bundle.browse.files.length} files)`, 'scripts the browse page loaded beyond the initial ones', kb(bundle.browse.raw), kb(bundle.browse.gzip)],
    ...bundle.browse.files.map((x) => [`  ${x.file}`, '', kb(x.raw), kb(x.gzip)]),
    [`other lazy chunks (${bundle.otherLazy.files.length} files)`, 'not loaded by the browse page', kb(bundle.otherLazy.raw), kb(bundle.otherLazy.gzip)],
  ];

  console.log(`\nMachine: ${facts.cores} cores (${facts.cpu}), ${facts.memoryGiB} GiB RAM, Node ${facts.node}, ${facts.os}`);
  console.log(`Load average (1/5/15 min): before ${facts.loadBefore}, after ${facts.loadAfter}`);
  console.log(`Browser: ${facts.chromium}, headless, ${VIEWPORT.width}×${VIEWPORT.height}, --disable-gpu: SOFTWARE RENDERING (no GPU raster/compositing), loopback network`);
  console.log(`Server: ${facts.build} (${facts.webBuild}); ${facts.database}`);
  console.log(`Data: ${n(FILES)} files in ${FEED}/${FOLDER} (rows inserted in SQL in ${f1(facts.insertSeconds)} s, setup); ${ROUNDS} round${ROUNDS > 1 ? 's' : ''}, each in a new tab of one signed-in context`);
  console.log('Console times are in-page performance.now(): load marks from the navigation start, actions from the click / input event;');
  console.log('"painted" = a task after the next animation frame; "DOM" = the MutationObserver saw the change.\n');
  console.log(table(['Figure', 'Median', 'Min–max', 'Note'], rows));
  console.log(`\n60 fps budget: ${FRAME_BUDGET.toFixed(1)} ms per frame; headless Chromium caps rAF at 60 Hz, so 16.7 ms is the floor. Bundle (gzip: zlib level 6, as the server's compression):\n`);
  console.log(table(['Part', 'Files', 'Raw', 'Gzip'], bundleRows));
  console.log(`\nTotal run time ${f0(seconds(t0))} s`);

  await mkdir(dirname(RESULTS), { recursive: true });
  const slimPass = ({ deltas, longTasks, ...s }) => ({ ...s, frames: deltas.length, longTasks: longTasks.length, p50: pct(deltas, 50), p95: pct(deltas, 95),
    p99: pct(deltas, 99), max: Math.max(...deltas) });
  const slim = rounds.map(({ scroll, wheel, ...c }) => ({ ...c, scroll: slimPass(scroll), wheel: slimPass(wheel) }));
  await writeFile(RESULTS, JSON.stringify({ date: new Date().toISOString(), machine: facts, settings: { files: FILES, rounds: ROUNDS, scrollStep: SCROLL_STEP, wheelStep: WHEEL_STEP, wheelFrames: WHEEL_FRAMES,
    fragment: FRAGMENT, viewport: VIEWPORT, chromiumArgs: CHROMIUM_ARGS }, expected, rows, reference, rounds: slim, bundle }, null, 2));
  console.log(`Results written to ${RESULTS}`);
  const failed = rounds.some((c) => c.scroll.lastRow !== FILES - 1);
  if (failed) throw new Error(`the scroll did not reach the last row (${rounds.map((c) => c.scroll.lastRow).join(', ')})`);
}

await runBench(main);
