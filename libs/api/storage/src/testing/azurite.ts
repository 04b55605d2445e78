import { freePort, killOnExit, portAnswers } from './child-processes';
import { spawn } from 'node:child_process';
import { promises as fsp, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The well-known development account every Azurite instance accepts. */
export const AZURITE_ACCOUNT_NAME = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteInstance {
  /** An account-key connection string for the dev account on this instance. */
  connectionString: string;
  /** `http://127.0.0.1:<port>/devstoreaccount1` */
  blobEndpoint: string;
  port: number;
  /** Kills the process and removes its data folder; safe to call twice. */
  stop(): Promise<void>;
}

export function azuriteConnectionString(blobEndpoint: string, accountKey = AZURITE_ACCOUNT_KEY): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${accountKey};BlobEndpoint=${blobEndpoint};`;
}

function azuriteBlobScript(): string {
  const pkgPath = require.resolve('azurite/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    bin: Record<string, string>;
  };
  return path.resolve(path.dirname(pkgPath), pkg.bin['azurite-blob']);
}

/**
 * Starts Azurite's blob service as a child process on a free port with a fresh data folder,
 * and waits until it accepts connections.
 */
export async function startAzurite(options: { startTimeoutMs?: number } = {}): Promise<AzuriteInstance> {
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const location = await fsp.mkdtemp(path.join(os.tmpdir(), 'stockroom-azurite-'));
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      azuriteBlobScript(),
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--location',
      location,
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--silent',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  killOnExit(child);

  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    if (stderr.length < 4000) stderr += s;
  });
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exitedPromise;
      clearTimeout(killer);
    }
    await fsp.rm(location, { recursive: true, force: true }).catch(() => undefined);
  };

  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT_NAME}`;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (exited) throw new Error(`Azurite exited before listening: ${stderr.trim() || '(no output)'}`);
      if (await portAnswers(port)) break;
      if (Date.now() > deadline) throw new Error(`Azurite did not listen on port ${port} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    connectionString: azuriteConnectionString(blobEndpoint),
    blobEndpoint,
    port,
    stop,
  };
}
