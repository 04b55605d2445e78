import { Cron } from 'croner';

/** A fire time this long past is still run (a node that was restarting at 03:00 catches up). */
export const SLOT_GRACE_MS = 10 * 60_000;

/** The schedule, or the problem with it (a cron expression croner reads, in an IANA time zone). */
export function parseSchedule(schedule: string, timezone: string): Cron | string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    return `"timezone": "${timezone}" is not an IANA time zone (e.g. "UTC", "Europe/Paris").`;
  }
  try {
    return new Cron(schedule, { timezone, paused: true });
  } catch (e) {
    return `"schedule": ${(e as Error).message}`;
  }
}

/** The schedule's fire time due now (in the grace window), if any: the slot a run belongs to. */
export function dueSlot(schedule: string, timezone: string, now: Date): Date | null {
  if (schedule.trim() === '') return null;
  const cron = parseSchedule(schedule, timezone);
  if (typeof cron === 'string') return null;
  const next = cron.nextRun(new Date(now.getTime() - SLOT_GRACE_MS));
  return next && next.getTime() <= now.getTime() ? next : null;
}

export function nextRun(schedule: string, timezone: string, now: Date): Date | null {
  if (schedule.trim() === '') return null;
  const cron = parseSchedule(schedule, timezone);
  return typeof cron === 'string' ? null : cron.nextRun(now);
}
