import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Temp files (a single upload being written, an import body spooled to disk) carry their owner in
 * their name — host, process id, and a random id drawn once per process start — so that a node
 * cleaning a shared folder can tell a crashed predecessor's leftovers from another node's files in
 * flight:
 *
 * - this host, this process, this start: in flight, kept;
 * - this host, and either our own process id (an earlier start: a restarted container reuses its
 *   pid) or a process that no longer runs: a crash leftover, removed at once;
 * - anything else (another host, a process that still runs, an unrecognised name): removed only once
 *   untouched for `maxIdleMs` (a file being written has a fresh modification time).
 *
 * Limit: two containers that share a host name (host networking) and a data folder look like one
 * host; the one whose pid matches the other's then removes that one's files in flight.
 */
const HOST = (hostname() || 'host').replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 64);
const START_ID = randomBytes(4).toString('hex');
const OWNED = /^[a-z]+_([A-Za-z0-9.-]{1,64})_(\d{1,10})_([0-9a-f]{8})_[0-9a-f]+(\.[a-z]+)?$/;

/** Temp files are removed once untouched for this long even when their owner cannot be told dead. */
export const TEMP_FILE_MAX_IDLE_MS = 60 * 60 * 1000;

/** A new temp file name, `<kind>_<host>_<pid>_<start>_<random><ext>`; `kind` is lowercase letters. */
export function ownedTempName(kind: string, ext = ''): string {
  return `${kind}_${HOST}_${process.pid}_${START_ID}_${randomBytes(12).toString('hex')}${ext}`;
}

/** Whether a temp file (its name and last modification) is a leftover that may be removed now. */
export function isTempLeftover(name: string, modifiedMs: number, maxIdleMs = TEMP_FILE_MAX_IDLE_MS): boolean {
  const owned = OWNED.exec(name);
  if (owned && owned[1] === HOST) {
    const pid = Number(owned[2]);
    if (pid === process.pid) return owned[3] !== START_ID;
    if (!isProcessRunning(pid)) return true;
  }
  return Date.now() - modifiedMs > maxIdleMs;
}

/** Whether a process with this pid exists on this host (EPERM: it runs, as another user). */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, as another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
