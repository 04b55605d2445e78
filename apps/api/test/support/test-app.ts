import type { INestApplication } from '@nestjs/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { createApp } from '../../src/create-app';
import { createTestDatabase, TestDatabase } from './test-database';

export interface TestApp {
  app: INestApplication;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** Its own temporary folder, holding its data dir (`data`): removed by close(). */
  workDir: string;
  config: AppConfig;
  db: TestDatabase;
  /** `Authorization` header value for the Admin user every test app starts with. */
  adminAuth: string;
  close(): Promise<void>;
}

export const ADMIN_PASSWORD = 'test-admin-password';

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/**
 * The real server (same createApp as main.ts) on a fresh database and data dir, on a port the
 * system picks, with the Admin user's password set to {@link ADMIN_PASSWORD}. Settings that must
 * name the server's own port (STOCKROOM_BASE_URL, STOCKROOM_CONTENT_URL) come from a function of
 * that port: the port is taken (listening on port 0) before the server is made, then handed to it.
 */
export async function startTestApp(
  env: Record<string, string> | ((port: number) => Record<string, string>) = {},
  db?: TestDatabase,
): Promise<TestApp> {
  // A port chosen by a test could be taken by then: the function form asks the system for one.
  if (typeof env !== 'function' && env['PORT']) {
    throw new Error('startTestApp: give settings that need the port as a function of it, not PORT');
  }
  const database = db ?? (await createTestDatabase());
  const workDir = await mkdtemp(join(tmpdir(), 'stockroom-test-app-'));
  const dataDir = join(workDir, 'data');
  let socket: Server | undefined;
  let settings: Record<string, string>;
  if (typeof env === 'function') {
    const listening = createServer();
    socket = listening;
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(0, '127.0.0.1', resolve);
    });
    const { port } = listening.address() as AddressInfo;
    settings = { PORT: String(port), ...env(port) };
  } else {
    settings = env;
  }
  const config = loadConfig({ STOCKROOM_DATA_DIR: dataDir, STOCKROOM_ADMIN_PASSWORD: ADMIN_PASSWORD, ...settings });
  let app: INestApplication;
  try {
    app = await createApp(config, database.url, false);
  } catch (e) {
    socket?.close();
    await rm(workDir, { recursive: true, force: true });
    throw e;
  }
  // The socket taken above (node's server.listen(handle)), or a free port from the system.
  if (socket) await app.listen(socket as unknown as number);
  else await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    port,
    workDir,
    config,
    db: database,
    adminAuth: basicAuth('Admin', ADMIN_PASSWORD),
    async close() {
      await app.close();
      if (!db) await database.drop();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
