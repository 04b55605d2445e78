import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { killOnExit, waitForLine } from '@stockroom/storage/testing';
import { ADMIN_PASSWORD, basicAuth } from './test-app';

/** The real server (apps/api/src/main.ts) in its own process, so a test can kill it for real. */
export interface ServerProcess {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  pid: number;
  /** Its STOCKROOM_DATA_DIR. */
  dataDir: string;
  /** `Authorization` header value for the Admin user (works with `raw()` from support/http). */
  adminAuth: string;
  /** The last lines the server wrote (stdout and stderr), for failure messages. */
  output(): string;
  /** Resolves when the process has exited, with its exit code (null when a signal killed it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL: no shutdown hook runs, open requests and DB sessions die with the process. */
  kill(): Promise<void>;
  /**
   * SIGTERM (SIGKILL after 5 s) and removes the data dir (unless the caller gave it); safe to call
   * twice, also after kill().
   */
  stop(): Promise<void>;
}

const REPO_ROOT = resolve(__dirname, '../../../..');

/**
 * What the child runs: TypeScript straight from the sources (ts-node, transpile only: no type
 * check, ~3 s to start) with the workspace's `@stockroom/*` paths, then main.ts exactly as
 * `npm start` would. The IPC channel closes whenever this process dies, however it dies (a killed
 * jest worker included): the server then exits instead of lingering (its cluster workers, if any,
 * follow their primary). A file, not `node -e`: cluster workers run the primary's script again.
 */
function bootstrap(): string {
  const nm = (m: string) => JSON.stringify(join(REPO_ROOT, 'node_modules', m));
  return [
    `if (!require('node:cluster').isWorker) process.on('disconnect', () => process.exit(0));`,
    `const base = require(${JSON.stringify(join(REPO_ROOT, 'tsconfig.base.json'))});`,
    `require(${nm('tsconfig-paths')}).register({ baseUrl: ${JSON.stringify(REPO_ROOT)}, paths: base.compilerOptions.paths, addMatchAll: false });`,
    `require(${nm('ts-node')}).register({ project: ${JSON.stringify(join(REPO_ROOT, 'apps/api/tsconfig.app.json'))}, transpileOnly: true });`,
    `require(${JSON.stringify(join(REPO_ROOT, 'apps/api/src/main.ts'))});`,
  ].join('\n');
}

/** The bootstrap as a file (named by its content, so concurrent test files share it safely). */
async function bootstrapFile(): Promise<string> {
  const text = bootstrap();
  const dir = join(REPO_ROOT, 'node_modules', '.cache', 'stockroom-server-process');
  const file = join(dir, `${createHash('sha256').update(text).digest('hex').slice(0, 16)}.js`);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
  return file;
}

/**
 * Starts the server as a child process (one worker unless `env` sets STOCKROOM_WORKERS) on a port the system picks (PORT=0; the server prints the
 * URL it got, read from its output) with its own data dir, with `env` on top of
 * the test defaults (Admin password {@link ADMIN_PASSWORD}), and resolves once `/health` is 200.
 * Pass `DATABASE_URL` (a test database), or `DATABASE_URL: ''` and the server starts an embedded
 * PostgreSQL under its data dir. `dataDir` reuses a data dir (a restart): the caller then removes it.
 */
export async function startServerProcess(
  env: Record<string, string>,
  options: { timeoutMs?: number; dataDir?: string } = {},
): Promise<ServerProcess> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'stockroom-node-')));
  const child = spawn(process.execPath, [await bootstrapFile()], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      // ts-node's compile cache would go to the shared temp folder, and stay there.
      V8_COMPILE_CACHE_CACHE_DIR: join(REPO_ROOT, 'node_modules', '.cache', 'v8-compile-cache'),
      STOCKROOM_DATA_DIR: dataDir,
      STOCKROOM_ADMIN_PASSWORD: ADMIN_PASSWORD,
      HOST: '127.0.0.1',
      PORT: '0',
      // One process, as before workers existed (fast); the cluster spec asks for more.
      STOCKROOM_WORKERS: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  killOnExit(child);
  const listening = waitForLine(child, /Stockroom listening on (http:\/\/127\.0\.0\.1:(\d+))/, {
    timeoutMs,
    what: 'The server',
  });
  const output = () => listening.output();

  let exited = false;
  const exitedPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => {
      exited = true;
      done({ code, signal });
    }),
  );
  const waitExit = async (signal: NodeJS.Signals) => {
    if (exited) return;
    child.kill(signal);
    const killer = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), 5000);
    await exitedPromise;
    if (killer) clearTimeout(killer);
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await waitExit('SIGTERM');
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
  };

  let url: string;
  let port: number;
  try {
    const deadline = Date.now() + timeoutMs;
    const [, listeningUrl, listeningPort] = await listening.match;
    url = listeningUrl;
    port = Number(listeningPort);
    for (;;) {
      if (exited) throw new Error(`The server exited before it was healthy:\n${output().trim() || '(no output)'}`);
      const healthy = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.status === 200)
        .catch(() => false);
      if (healthy) break;
      if (Date.now() > deadline) throw new Error(`The server was not healthy within ${timeoutMs} ms:\n${output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    url,
    port,
    pid: child.pid as number,
    dataDir,
    adminAuth: basicAuth('Admin', ADMIN_PASSWORD),
    output,
    exited: exitedPromise,
    kill: () => waitExit('SIGKILL'),
    stop,
  };
}
