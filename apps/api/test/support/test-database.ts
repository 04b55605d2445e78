import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { MIGRATIONS } from '../../src/database/migrations';
import { runMigrations } from '../../src/create-app';

function adminUrl(): string {
  const url = process.env['STOCKROOM_TEST_ADMIN_URL'];
  if (!url) throw new Error('STOCKROOM_TEST_ADMIN_URL is not set: run the tests through jest (global setup).');
  return url;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * The migrated template, named after the migrations (names and code), so a new migration, or one
 * edited before it lands, makes a new one.
 */
async function ensureTemplate(): Promise<string> {
  const hash = createHash('sha1')
    .update(MIGRATIONS.map((m) => `${m.name}:${m.prototype.up.toString()}`).join(','))
    .digest('hex')
    .slice(0, 12);
  const template = `stockroom_tpl_${hash}`;
  await admin(async (c) => {
    await c.query(`SELECT pg_advisory_lock(hashtext('stockroom-test-template'))`);
    try {
      const found = await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [template]);
      if (found.rowCount === 0) {
        const building = `${template}_build_${randomBytes(3).toString('hex')}`;
        await c.query(`CREATE DATABASE ${building}`);
        await runMigrations(withDatabase(adminUrl(), building));
        await c.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
      }
    } finally {
      await c.query(`SELECT pg_advisory_unlock(hashtext('stockroom-test-template'))`);
    }
  });
  return template;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file (a clone of the template: fast, isolated). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = await ensureTemplate();
  const name = `stockroom_t_${randomBytes(6).toString('hex')}`;
  await admin(async (c) => {
    // CREATE DATABASE ... TEMPLATE needs the template idle: serialise clones.
    await c.query(`SELECT pg_advisory_lock(hashtext('stockroom-test-template'))`);
    try {
      await c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    } finally {
      await c.query(`SELECT pg_advisory_unlock(hashtext('stockroom-test-template'))`);
    }
  });
  return {
    url: withDatabase(adminUrl(), name),
    drop: () => admin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}
