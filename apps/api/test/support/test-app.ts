import type { INestApplication } from '@nestjs/common';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
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
 * The real server (same createApp as main.ts) on a fresh database and data dir, on a free port,
 * with the Admin user's password set to {@link ADMIN_PASSWORD}.
 */
export async function startTestApp(env: Record<string, string> = {}, db?: TestDatabase): Promise<TestApp> {
  const database = db ?? (await createTestDatabase());
  const dataDir = await mkdtemp(join(tmpdir(), 'stockroom-test-data-'));
  const config = loadConfig({ STOCKROOM_DATA_DIR: dataDir, STOCKROOM_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env });
  const app = await createApp(config, database.url, false);
  // A free port, unless the test needs to know it beforehand (PORT; e.g. for STOCKROOM_CONTENT_URL).
  await app.listen(env['PORT'] ? config.port : 0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    port,
    config,
    db: database,
    adminAuth: basicAuth('Admin', ADMIN_PASSWORD),
    async close() {
      await app.close();
      if (!db) await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
