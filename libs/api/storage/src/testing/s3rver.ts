import { killOnExit, waitForLine } from './child-processes';
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface S3rverHandle {
  /** e.g. `http://127.0.0.1:43210`; use with `forcePathStyle: true` and credentials S3RVER/S3RVER. */
  endpoint: string;
  stop(): Promise<void>;
}

/** The credentials s3rver accepts out of the box. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

function s3rverBin(): string {
  const pkgPath = require.resolve('s3rver/package.json');
  const pkg = require(pkgPath) as { bin: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin['s3rver'];
  return path.join(path.dirname(pkgPath), bin);
}

/**
 * Starts s3rver (a local S3 imitation, for tests) as a child process on a port the system picks
 * (port 0; it prints the one it got) with a fresh data directory, and resolves once it listens.
 * `stop()` kills it and removes the directory; a server still running when the test process exits
 * is killed too.
 *
 * `--openssl-legacy-provider`: without it s3rver answers 500 to paginated ListObjectsV2 on Node 17+.
 */
export async function startS3rver(timeoutMs = 15_000): Promise<S3rverHandle> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'stockroom-s3rver-'));
  const child = spawn(
    process.execPath,
    [
      '--openssl-legacy-provider',
      // The IPC channel closes when this process dies, however it dies (a killed jest worker
      // included): the server then exits instead of lingering.
      '--import',
      'data:text/javascript,process.on("disconnect",()=>process.exit(0))',
      s3rverBin(),
      '-d',
      dir,
      '-a',
      '127.0.0.1',
      '-p',
      '0',
      '--silent',
    ],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  // The channel must not keep this process alive.
  child.channel?.unref();
  killOnExit(child);
  const listening = waitForLine(child, /^S3rver listening on (127\.0\.0\.1:\d+)$/, {
    timeoutMs,
    what: 's3rver',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  const stop = async () => {
    if (!hasExited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    await fsp.rm(dir, { recursive: true, force: true });
  };

  try {
    const [, address] = await listening.match;
    return { endpoint: `http://${address}`, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
