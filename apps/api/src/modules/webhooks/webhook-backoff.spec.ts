import { nextAttemptAfter, RETRY_WINDOW_MS } from './webhook-backoff';

describe('nextAttemptAfter', () => {
  const first = new Date('2026-01-01T00:00:00Z');
  const at = (ms: number) => new Date(first.getTime() + ms);

  it('doubles from 10 s up to an hour', () => {
    expect(nextAttemptAfter(1, first, first)?.getTime()).toBe(at(10_000).getTime());
    expect(nextAttemptAfter(2, at(10_000), first)?.getTime()).toBe(at(30_000).getTime());
    expect(nextAttemptAfter(30, at(3_600_000), first)?.getTime()).toBe(at(7_200_000).getTime());
  });

  it('tries a last time when the day ends, then gives up', () => {
    expect(nextAttemptAfter(20, at(RETRY_WINDOW_MS - 60_000), first)?.getTime()).toBe(at(RETRY_WINDOW_MS).getTime());
    expect(nextAttemptAfter(21, at(RETRY_WINDOW_MS), first)).toBeNull();
  });
});
