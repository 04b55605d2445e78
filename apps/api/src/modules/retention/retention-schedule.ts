import { Cron } from 'croner';

/** A fire time this long past is still run (a node that was restarting at 03:00 catches up). */
export const SLOT_GRACE_MS = 10 * 60_000;

/**
 * The problem with a schedule (a cron expression croner reads, in an IANA time zone; '' = no
 * scheduled runs), or undefined when it is fine.
 */
export function scheduleProblem(schedule: string, timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    return `"timezone": "${timezone}" is not an IANA time zone (e.g. "UTC", "Europe/Paris").`;
  }
  if (schedule.trim() === '') return undefined;
  try {
    new Cron(schedule, { timezone, paused: true });
    return undefined;
  } catch (e) {
    return `"schedule": ${(e as Error).message}`;
  }
}

/** The next fire time after `from`; null when the schedule is off (or unreadable). */
export function nextRun(schedule: string, timezone: string, from: Date): Date | null {
  if (schedule.trim() === '') return null;
  try {
    return new Cron(schedule, { timezone, paused: true }).nextRun(from);
  } catch {
    return null; // saved settings were checked by scheduleProblem
  }
}

/** The schedule's fire time due now (in the grace window), if any: the slot a run belongs to. */
export function dueSlot(schedule: string, timezone: string, now: Date): Date | null {
  const next = nextRun(schedule, timezone, new Date(now.getTime() - SLOT_GRACE_MS));
  return next && next.getTime() <= now.getTime() ? next : null;
}
