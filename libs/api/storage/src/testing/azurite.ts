import { killOnExit, waitForLine } from './child-processes';
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
 * Starts Azurite's blob service as a child process on a port the system picks (port 0; it prints
 * the address it got) with a fresh data folder, and waits until it listens.
 */
export async function startAzurite(options: { startTimeoutMs?: number } = {}): Promise<AzuriteInstance> {
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const location = await fsp.mkdtemp(path.join(os.tmpdir(), 'stockroom-azurite-'));
  const child = spawn(
    process.execPath,
    [
      azuriteBlobScript(),
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--location',
      location,
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--silent',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  killOnExit(child);

  const listening = waitForLine(child, /Azurite Blob service successfully listens on http:\/\/127\.0\.0\.1:(\d+)$/, {
    timeoutMs,
    what: 'Azurite',
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

  let port: number;
  try {
    port = Number((await listening.match)[1]);
  } catch (e) {
    await stop();
    throw e;
  }
  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT_NAME}`;

  return {
    connectionString: azuriteConnectionString(blobEndpoint),
    blobEndpoint,
    port,
    stop,
  };
}
