import { readFile } from 'node:fs/promises';
import { Client } from 'pg';
import type { ServerProcess } from './server-process';
import type { TestDatabase } from './test-database';
import { CHANGE_CHANNEL } from '../../src/database/coherent-cache.service';

// What the tests of a server of several workers (STOCKROOM_WORKERS) read of it: which worker
// answered (its JSON request log, STOCKROOM_LOG_FORMAT=json and STOCKROOM_LOG_REQUESTS), and a way
// to keep PostgreSQL's change notifications from its workers.

interface LogLine {
  pid?: number;
  msg?: string;
  path?: string;
  status?: number;
  method?: string;
}

function logLines(server: ServerProcess): LogLine[] {
  return server
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as LogLine;
      } catch {
        return {}; // a line cut by the output buffer's start
      }
    });
}

/** The pids that logged a request line for `path` with `status`. */
export function pidsServing(server: ServerProcess, path: string, status?: number): Set<number> {
  return new Set(
    logLines(server)
      .filter((l) => l.path === path && (status === undefined || l.status === status) && l.pid)
      .map((l) => l.pid as number),
  );
}

/**
 * Holds back PostgreSQL's change notifications to the server's caches (the backends of its LISTEN
 * sessions on CHANGE_CHANNEL are stopped with SIGSTOP until `resume`; the change events' sessions,
 * which only wake webhook dispatchers, go on), so that only the workers' own invalidation can make a
 * change visible. Possible when the database runs on this machine and we may signal its processes
 * (root, as here); otherwise nothing is held and the test checks the same with notifications on.
 */
export async function holdNotifications(db: TestDatabase): Promise<{ held: number; resume(): void }> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  let pids: number[];
  try {
    const rows = await client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = $1`,
      [`LISTEN ${CHANGE_CHANNEL}`],
    );
    pids = rows.rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
  const stopped: number[] = [];
  for (const pid of pids) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.startsWith('postgres')) continue; // not this machine's PostgreSQL
    try {
      process.kill(pid, 'SIGSTOP');
      stopped.push(pid);
    } catch {
      // not ours to signal
    }
  }
  return {
    held: stopped.length,
    resume: () => {
      for (const pid of stopped) process.kill(pid, 'SIGCONT');
    },
  };
}
