// Stockroom security benchmark: what authenticating every request costs.
// 4 KiB GETs with wrk (64 connections) against nginx, Stockroom as Anonymous (granted View & Download),
// Stockroom with a Feed API key and Stockroom with a `user:password` pseudo-key (what pgutil sends), for a
// built-in user and for an LDAP user of a private slapd (issue 19); and console sign-in latency through slapd.
// Usage: node bench/auth.mjs   (see bench/README.md)
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import {
  GiB, KiB, ROOT, adminAuthorization, api, cpuSnapshot, cpuUsage, ctx, ensureBuild, ensureTool, log, makeTempDir, median, run, runBench, setupDatabase, startNginx, startStockroom, stopChild, table, wrk, describeServerBuild,
} from './lib.mjs';
import { startSlapd } from './slapd.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const RESULTS = join(ROOT, QUICK ? 'dist/bench/auth-results-quick.json' : 'dist/bench/auth-results.json');
// BENCH_QUICK=1: the same steps with short runs, to check the script itself in half a minute.
const DURATION = Number(process.env.BENCH_AUTH_SECONDS) || (QUICK ? 3 : 10);
const WARMUP = QUICK ? 1 : 3;
const ROUNDS = QUICK ? 2 : 3;
const THREADS = 2;
const CONNECTIONS = 64;
const FILE_SIZE = 4 * KiB;
const FEED = 'bench';
const FILE_PATH = 'auth/file-4k.bin';
const USER = 'bob';
const LDAP_USER = 'carla';
const LDAP_GROUP = 'bench-readers';
const SIGN_INS = QUICK ? 10 : 50;
/** CPU (% of a core) used by processes other than the servers, wrk and PostgreSQL above which a row is flagged. */
const OTHER_LOAD_LIMIT = 25;

// ---------------------------------------------------------------- checks

/** One GET; returns status and body. */
async function get(url, headers = []) {
  const res = await fetch(url, { headers: Object.fromEntries(headers.map((h) => [h.slice(0, h.indexOf(':')), h.slice(h.indexOf(':') + 1).trim()])) });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

/** Fails loudly unless `url` with `headers` answers 200 with exactly `expected` as its body. */
async function expectBody(label, url, headers, expected) {
  const r = await get(url, headers);
  if (r.status !== 200 || !r.body.equals(expected)) {
    throw new Error(`${label}: expected 200 with the ${expected.length}-byte file, got HTTP ${r.status} with ${r.body.length} bytes: ${r.body.toString('utf8', 0, 200)}`);
  }
}

async function expectStatus(label, url, headers, status) {
  const r = await get(url, headers);
  if (r.status !== status) throw new Error(`${label}: expected HTTP ${status}, got ${r.status}: ${r.body.toString('utf8', 0, 200)}`);
}

// ---------------------------------------------------------------- main

async function main() {
  const facts = {
    cores: os.cpus().length, cpu: os.cpus()[0]?.model.trim(), memoryGiB: (os.totalmem() / GiB).toFixed(1),
    node: process.version, os: `${os.type()} ${os.release()}`, loadBefore: os.loadavg()[0].toFixed(2),
  };
  await ensureBuild();
  await ensureTool('nginx', 'nginx-light');
  await ensureTool('wrk', 'wrk');
  facts.nginx = (await run('nginx', ['-v'])).stderr.trim().replace('nginx version: ', '');
  facts.wrk = (await run('wrk', ['-v'])).stdout.split('\n')[0].replace(/ Copyright.*/, '').trim() || 'wrk';
  facts.build = await describeServerBuild(); // which server was measured

  await makeTempDir();
  const files = join(ctx.tmp, 'files');
  await mkdir(files, { mode: 0o755 });
  await writeFile(join(files, 'ready.txt'), 'ok');
  const file = randomBytes(FILE_SIZE);
  await writeFile(join(files, 'file-4k.bin'), file, { mode: 0o644 });

  const databaseUrl = await setupDatabase();
  facts.database = databaseUrl ? `local PostgreSQL (${ctx.dbName})` : 'embedded PostgreSQL (started by the server)';
  await ensureTool('slapd', 'slapd');
  await ensureTool('ldapsearch', 'ldap-utils');
  const ldapPassword = `ldap-${randomBytes(12).toString('base64url')}`;
  await mkdir(join(ctx.tmp, 'slapd'));
  const slapd = await startSlapd(join(ctx.tmp, 'slapd'), [{ uid: LDAP_USER, password: ldapPassword }], LDAP_GROUP);
  ctx.cleanups.push(() => slapd.stop());
  facts.slapd = (await run('slapd', ['-VV'])).stderr.split('\n')[0].trim();
  await startStockroom(databaseUrl, slapd.env);

  // Directory, file, user, key — as the admin.
  await api('POST', '/api/management/feeds/create', { name: FEED, feedType: 'asset' });
  const url = `${ctx.base}/endpoints/${FEED}/content/${FILE_PATH}`;
  const up = await fetch(url, { method: 'POST', headers: { Authorization: adminAuthorization() }, body: file });
  if (up.status !== 201) throw new Error(`upload: HTTP ${up.status} ${await up.text()}`);
  await up.arrayBuffer();
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  await api('POST', '/api/security/users', { userName: USER, password });
  await api('POST', '/api/security/privileges', { principalType: 'user', principalName: USER, role: 'View & Download', feed: FEED, deny: false });
  const { key } = await api('POST', '/api/api-keys/create', { type: 'Feed', feed: FEED, packagePermissions: ['view'] });
  // The LDAP user's first sign-in creates them and their group; the group is granted the directory.
  const signIn = () => fetch(`${ctx.base}/api/security/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ userName: LDAP_USER, password: ldapPassword }),
  });
  const first = await signIn();
  if (first.status !== 200) throw new Error(`LDAP sign-in: HTTP ${first.status} ${await first.text()}`);
  await api('POST', '/api/security/privileges', { principalType: 'group', principalName: LDAP_GROUP, role: 'View & Download', feed: FEED, deny: false });
  // Console sign-in latency: every sign-in asks the directory (service bind, searches, the user's bind).
  const signInMs = [];
  for (let i = 0; i < SIGN_INS; i++) {
    const started = performance.now();
    const r = await signIn();
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`LDAP sign-in ${i}: HTTP ${r.status}`);
    signInMs.push(performance.now() - started);
  }
  signInMs.sort((a, b) => a - b);
  const signInLatency = { count: SIGN_INS, p50: median(signInMs), p95: signInMs[Math.floor(0.95 * (SIGN_INS - 1))] };
  if (typeof key !== 'string' || !key) throw new Error('api-keys/create returned no key');

  const variants = [
    { id: 'nginx', label: 'nginx (static file)', url: undefined, headers: [] },
    { id: 'anonymous', label: 'Stockroom, anonymous', url, headers: [] },
    { id: 'key', label: 'Stockroom, X-ApiKey: <feed key>', url, headers: [`X-ApiKey: ${key}`] },
    { id: 'pseudo', label: `Stockroom, X-ApiKey: ${USER}:<password>`, url, headers: [`X-ApiKey: ${USER}:${password}`] },
    { id: 'ldap', label: `Stockroom, X-ApiKey: ${LDAP_USER}:<password> (LDAP user)`, url, headers: [`X-ApiKey: ${LDAP_USER}:${ldapPassword}`] },
    { id: 'health', label: 'Stockroom, GET /health (public, SELECT 1; info)', url: `${ctx.base}/health`, headers: [], info: true },
  ];
  const byId = Object.fromEntries(variants.map((v) => [v.id, v]));

  // Before Anonymous is granted anything: the credentials work on their own, anonymous is refused,
  // and wrong credentials are refused (never silently anonymous) — so a 200 below means they were checked.
  log('checking credentials…');
  await expectStatus('anonymous before the grant', url, [], 401);
  await expectBody('feed key before the Anonymous grant', url, byId.key.headers, file);
  await expectBody('pseudo-key before the Anonymous grant', url, byId.pseudo.headers, file);
  await expectBody('LDAP pseudo-key before the Anonymous grant', url, byId.ldap.headers, file);
  await api('POST', '/api/security/privileges', { principalType: 'pseudo', principalName: 'Anonymous', role: 'View & Download', feed: FEED, deny: false });
  await expectBody('anonymous after the grant', url, [], file);
  await expectStatus('an unknown key', url, ['X-ApiKey: not-a-key'], 401);
  await expectStatus('a wrong password', url, [`X-ApiKey: ${USER}:wrong-password`], 401);
  await expectStatus('a wrong LDAP password', url, [`X-ApiKey: ${LDAP_USER}:wrong-password`], 401);
  await expectBody('LDAP pseudo-key after a wrong password', url, byId.ldap.headers, file);
  await expectBody('pseudo-key after a wrong password', url, byId.pseudo.headers, file); // also clears the failure count

  const nginx = await startNginx(files, { workerConnections: 1024, extraHttp: '  keepalive_requests 1000000;\n' });
  byId.nginx.url = `${nginx.base}/file-4k.bin`;
  await expectBody('nginx', byId.nginx.url, [], file);
  log('every variant answers 200 with the 4 KiB file');

  const wanted = { pids: { server: ctx.server.pid }, comms: ['postgres', 'nginx'] };
  log(`warm-up, ${WARMUP} s each…`);
  for (const v of variants) {
    const w = await wrk(v.url, v.headers, WARMUP, { threads: THREADS, connections: CONNECTIONS });
    log(`  ${v.label}: ${w.rps.toFixed(0)} req/s${w.non2xx ? `, ${w.non2xx} non-2xx` : ''}`);
  }

  const runs = Object.fromEntries(variants.map((v) => [v.id, []]));
  for (let round = 0; round < ROUNDS; round++) {
    log(`round ${round + 1}/${ROUNDS} (wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s)…`);
    // Rotate the order each round so no variant always follows the same neighbour.
    const order = variants.map((_, i) => variants[(i + round) % variants.length]);
    for (const v of order) {
      const before = await cpuSnapshot();
      const w = await wrk(v.url, v.headers, DURATION, { threads: THREADS, connections: CONNECTIONS });
      const after = await cpuSnapshot();
      const cpu = await cpuUsage(before, after, wanted);
      cpu.wrk = (100 * w.wrkCpuSeconds) / ((after.at - before.at) / 1000);
      // Anything else running on the machine competes for the same cores: shown so a skewed run is visible.
      cpu.other = Math.max(0, cpu.machine - cpu.server - cpu.postgres - cpu.nginx - cpu.wrk);
      const { raw, ...rest } = w;
      runs[v.id].push({ ...rest, cpu });
      log(`  ${v.label}: ${w.rps.toFixed(0)} req/s, p99 ${w.latencyMs.p99?.toFixed(2)} ms, ${w.bytesPerResponse.toFixed(0)} B/response` +
        `${w.non2xx ? `, ${w.non2xx} NON-2XX` : ''}; CPU % of a core: server ${cpu.server.toFixed(0)}, postgres ${cpu.postgres.toFixed(0)}, ` +
        `nginx ${cpu.nginx.toFixed(0)}, wrk ${cpu.wrk.toFixed(0)}, other ${cpu.other.toFixed(0)}, machine ${cpu.machine.toFixed(0)}/${facts.cores * 100}`);
    }
  }

  // The same answers after the load (the password cache, key lookups etc. still hold).
  for (const v of variants) if (!v.info) await expectBody(`${v.label} after the runs`, v.url, v.headers, file);
  await stopChild(nginx.child);

  // ---------------------------------------------------------------- report
  const summary = {};
  for (const v of variants) {
    const rs = runs[v.id];
    const non2xx = rs.reduce((a, r) => a + r.non2xx, 0);
    const socketErrors = rs.reduce((a, r) => a + (r.socketErrors ? Object.values(r.socketErrors).reduce((x, y) => x + y, 0) : 0), 0);
    const tooSmall = !v.info && rs.some((r) => r.bytesPerResponse < FILE_SIZE);
    summary[v.id] = {
      label: v.label, rps: median(rs.map((r) => r.rps)), runs: rs.map((r) => r.rps),
      p99: median(rs.map((r) => r.latencyMs.p99)), p50: median(rs.map((r) => r.latencyMs.p50)),
      bytesPerResponse: median(rs.map((r) => r.bytesPerResponse)), non2xx, socketErrors,
      cpu: Object.fromEntries(Object.keys(rs[0].cpu).map((k) => [k, median(rs.map((r) => r.cpu[k]))])),
      failed: non2xx > 0 || tooSmall,
      failure: non2xx > 0 ? `${non2xx} non-2xx responses` : tooSmall ? `responses under ${FILE_SIZE} bytes` : undefined,
    };
  }
  const s = summary;
  const f0 = (x) => (x == null || Number.isNaN(x) ? '' : x.toFixed(0));
  const f2 = (x) => (x == null || Number.isNaN(x) ? '' : x.toFixed(2));
  const rowsA = variants.map((v) => {
    const x = s[v.id];
    const cpu = v.id === 'nginx' ? `nginx ${f0(x.cpu.nginx)}` : `node ${f0(x.cpu.server)}, pg ${f0(x.cpu.postgres)}`;
    return [x.label, f0(x.rps), x.runs.map(f0).join(' / '), f2(x.p50), f2(x.p99), f0(x.bytesPerResponse),
      `${cpu}, wrk ${f0(x.cpu.wrk)}, other ${f0(x.cpu.other)}`,
      x.failed ? `FAILED: ${x.failure}` : [
        'ok', x.socketErrors ? `${x.socketErrors} socket errors` : '', x.cpu.other > OTHER_LOAD_LIMIT ? 'other load: skewed' : '',
      ].filter(Boolean).join(', ')];
  });
  const ratio = (a, b, goal) => {
    const r = s[a].rps / s[b].rps;
    const valid = !s[a].failed && !s[b].failed;
    return { figure: `${a} / ${b}`, ratio: r, goal, met: valid && r >= goal, valid };
  };
  const ratios = [
    ratio('key', 'anonymous', 0.9), ratio('pseudo', 'anonymous', 0.9), ratio('ldap', 'anonymous', 0.9), ratio('anonymous', 'nginx', 0.3),
  ];
  const rowsB = ratios.map((r) => [r.figure, f2(r.ratio), `≥ ${r.goal.toFixed(2)}`, r.valid ? (r.met ? 'yes' : 'NO') : 'NO (a row failed)']);

  console.log(`\nMachine: ${facts.cores} cores (${facts.cpu}), ${facts.memoryGiB} GiB RAM, Node ${facts.node}, ${facts.os}, ${facts.nginx}, ${facts.wrk}`);
  console.log(`Server: ${facts.build}`);
  console.log(`Database: ${facts.database}; 1-min load average before the run ${facts.loadBefore} (other work skews the figures)`);
  console.log(`wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s --latency, ${ROUNDS} rounds interleaved after a ${WARMUP} s warm-up each; ` +
    `${FILE_SIZE}-byte file; nginx: 1 worker, sendfile; CPU in % of one core (median), wrk and servers share the ${facts.cores} cores\n`);
  console.log(table(['Variant', 'req/s (median)', 'runs', 'p50 ms', 'p99 ms', 'B/resp', 'CPU %', 'Check'], rowsA));
  console.log('');
  console.log(table(['Ratio (req/s)', 'Value', 'Goal', 'Met'], rowsB));
  console.log(`\nLDAP console sign-in through slapd (${facts.slapd}), ${signInLatency.count} in a row: ` +
    `p50 ${f2(signInLatency.p50)} ms, p95 ${f2(signInLatency.p95)} ms`);

  await mkdir(dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, JSON.stringify({
    date: new Date().toISOString(), machine: facts,
    settings: { threads: THREADS, connections: CONNECTIONS, seconds: DURATION, warmupSeconds: WARMUP, rounds: ROUNDS, fileSize: FILE_SIZE },
    summary, ratios, runs, ldapSignInMs: signInLatency,
  }, null, 2));
  console.log(`\nResults written to ${RESULTS}`);
  const failedRows = Object.values(summary).filter((x) => x.failed);
  if (failedRows.length) throw new Error(`rows failed: ${failedRows.map((x) => `${x.label} (${x.failure})`).join('; ')}`);
}

await runBench(main);
