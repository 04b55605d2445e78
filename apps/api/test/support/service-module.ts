import { Test, TestingModule } from '@nestjs/testing';
import { Privilege } from '@stockroom/contracts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import type { Principal } from '../../src/common/auth/principal';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { createTestDatabase, TestDatabase } from './test-database';

export interface ServiceModule {
  module: TestingModule;
  dataSource: DataSource;
  config: AppConfig;
  db: TestDatabase;
  close(): Promise<void>;
}

/**
 * The whole server's providers (AppModule) on a fresh database and data dir, without HTTP and
 * without starting them (no lifecycle hooks: no background job runs unless a test starts it).
 * For service-tier tests: `module.get(SomeService)`.
 */
export async function createServiceModule(env: Record<string, string> = {}): Promise<ServiceModule> {
  const db = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'stockroom-int-data-'));
  const config = loadConfig({ STOCKROOM_DATA_DIR: dataDir, ...env });
  const module = await Test.createTestingModule({ imports: [AppModule.forRoot(config, db.url)] }).compile();
  return {
    module,
    dataSource: module.get(DataSource),
    config,
    db,
    async close() {
      await module.close();
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A system API key holding every privilege: an administrator, for services that take a Principal. */
export const ADMIN_KEY: Principal = {
  kind: 'api-key',
  name: 'int-spec',
  key: { id: 0, grant: { type: 'system', privileges: Object.values(Privilege) } },
  credential: 'api-key',
  address: '127.0.0.1',
};
