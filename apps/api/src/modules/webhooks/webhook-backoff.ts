/** How long a delivery is retried, from its first attempt (or its redelivery). */
export const RETRY_WINDOW_MS = 24 * 3_600_000;
const FIRST_DELAY_MS = 10_000;
const MAX_DELAY_MS = 3_600_000;

/**
 * After failed attempt number `attempt` (1-based) at `at`: when to try again — 10 s, doubling, at most
 * an hour apart, the last try at the end of the day — or null when the day is over (failed).
 */
export function nextAttemptAfter(attempt: number, at: Date, firstAttemptAt: Date): Date | null {
  const end = firstAttemptAt.getTime() + RETRY_WINDOW_MS;
  if (at.getTime() >= end) return null;
  const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(attempt - 1, 20));
  return new Date(Math.min(at.getTime() + delay, end));
}
