import { freePort, killOnExit, portAnswers } from './child-processes';
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
 * Starts s3rver (a local S3 imitation, for tests) as a child process on a free port with a fresh
 * data directory, and resolves once it accepts connections. `stop()` kills it and removes the
 * directory; a server still running when the test process exits is killed too.
 *
 * `--openssl-legacy-provider`: without it s3rver answers 500 to paginated ListObjectsV2 on Node 17+.
 */
export async function startS3rver(timeoutMs = 15_000): Promise<S3rverHandle> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'stockroom-s3rver-'));
  const port = await freePort();
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
      String(port),
      '--silent',
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
  );
  // The channel must not keep this process alive.
  child.channel?.unref();
  killOnExit(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
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

  const deadline = Date.now() + timeoutMs;
  while (!(await portAnswers(port))) {
    if (hasExited || Date.now() > deadline) {
      await stop();
      throw new Error(
        `s3rver did not start on port ${port}${hasExited ? ' (it exited)' : ''}: ${stderr.trim() || 'no output'}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { endpoint: `http://127.0.0.1:${port}`, stop };
}
