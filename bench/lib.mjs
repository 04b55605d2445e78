// Small helpers for bench/run.mjs: logging, child processes, curl, files, memory, formatting.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';

export const KiB = 1024;
export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;

const started = performance.now();
export function log(message) {
  const s = ((performance.now() - started) / 1000).toFixed(1).padStart(7);
  console.log(`[${s}s] ${message}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Runs a command to completion; resolves with { code, stdout, stderr } (never rejects on exit code). */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function commandExists(name) {
  return (await run('sh', ['-c', `command -v ${name}`])).code === 0;
}

// ---------------------------------------------------------------- child processes

const children = new Set();

/** Starts a long-running child whose output goes to `logFile`; it is killed by stopAll(). */
export function startChild(name, cmd, args, { env, logFile, cwd } = {}) {
  const out = createWriteStream(logFile, { flags: 'a' });
  const proc = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.pipe(out);
  proc.stderr.pipe(out);
  const child = { name, proc, logFile, pid: proc.pid, exited: false };
  child.done = new Promise((resolve) => proc.on('close', (code, signal) => {
    child.exited = true;
    children.delete(child);
    resolve({ code, signal });
  }));
  proc.on('error', (e) => log(`${name}: ${e.message}`));
  children.add(child);
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child, graceMs = 10_000) {
  if (!child || child.exited) return;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => !child.exited && child.proc.kill('SIGKILL'), graceMs);
  await child.done;
  clearTimeout(timer);
}

export async function stopAll() {
  await Promise.all([...children].map((c) => stopChild(c)));
}

export async function tail(file, lines = 30) {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}

/** Polls `url` until it answers 200; fails early if the child exits. */
export async function waitForHttp(url, child, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exited) throw new Error(`${child.name} exited before it was ready:\n${await tail(child.logFile)}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await sleep(200);
  }
  throw new Error(`${child.name} not ready after ${timeoutMs / 1000}s:\n${await tail(child.logFile)}`);
}

// ---------------------------------------------------------------- curl

/** Runs curl with `-w` fields; returns them as numbers keyed by name. Throws on a non-2xx answer. */
export async function curl(args, expectStatus = [200, 201]) {
  const fields = ['http_code', 'size_download', 'size_upload', 'time_starttransfer', 'time_total', 'speed_download', 'speed_upload'];
  const w = fields.map((f) => `%{${f}}`).join(' ');
  const r = await run('curl', ['-s', '-S', '-w', w, ...args]);
  const values = Object.fromEntries(r.stdout.trim().split(/\s+/).map((v, i) => [fields[i], Number(v)]));
  if (r.code !== 0 || !expectStatus.includes(values.http_code)) {
    throw new Error(`curl ${args.join(' ')} failed: exit ${r.code}, HTTP ${values.http_code}, ${r.stderr.trim()}`);
  }
  return values;
}

// ---------------------------------------------------------------- files

/** Writes `size` bytes made of a repeated 16 MiB random block; returns the file's sha256 (hex). */
export async function makeFile(path, size) {
  const block = randomBytes(16 * MiB);
  const hash = createHash('sha256');
  const fh = await open(path, 'w', 0o644);
  try {
    for (let written = 0; written < size; ) {
      const chunk = block.subarray(0, Math.min(block.length, size - written));
      hash.update(chunk);
      await fh.write(chunk);
      written += chunk.length;
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

// ---------------------------------------------------------------- memory (Linux /proc)

/** Peak resident set size (VmHWM) of a process, in bytes. */
export async function peakRss(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) * KiB;
}

export async function currentRss(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * KiB;
}

/** Resets VmHWM to the current RSS; false when the kernel does not allow it. */
export async function resetPeakRss(pid) {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- formatting

export const mibps = (bytesPerSecond) => bytesPerSecond / MiB;
export const mb = (bytes) => bytes / 1e6;

/** Renders rows (arrays of strings) as an aligned text table with a header rule. */
export function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}
