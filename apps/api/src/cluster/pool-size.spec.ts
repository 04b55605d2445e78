import { LISTENERS_PER_WORKER, poolSizing } from './pool-size';

describe('poolSizing', () => {
  it('keeps the pool of one process when the workers fit easily', () => {
    expect(poolSizing(100, 3, 2)).toEqual({ perWorker: 20, available: 92, fits: true });
  });

  it('shares max_connections out so that every pool and listening connection fits', () => {
    for (const workers of [4, 8, 16, 23]) {
      const { perWorker, available, fits } = poolSizing(100, 3, workers);
      expect(fits).toBe(true);
      expect(workers * (perWorker + LISTENERS_PER_WORKER)).toBeLessThanOrEqual(available);
    }
    expect(poolSizing(100, 3, 8).perWorker).toBe(9);
  });

  it('says so when even pools of two do not fit', () => {
    expect(poolSizing(100, 3, 64)).toEqual({ perWorker: 2, available: 92, fits: false });
    expect(poolSizing(20, 3, 3).fits).toBe(true); // 3 × (2 + 2) = 12 of 12
    expect(poolSizing(20, 3, 4).fits).toBe(false);
  });
});
