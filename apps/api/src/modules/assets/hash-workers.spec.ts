import { createHash, randomBytes } from 'node:crypto';
import { ParallelHashSession, stopIdleHashWorkers } from './hash-workers';

const expected = (data: Buffer) =>
  Object.fromEntries(['md5', 'sha1', 'sha256', 'sha512'].map((a) => [a, createHash(a).update(data).digest('hex')]));

/** Feeds `data` in uneven chunks that straddle the worker batch size. */
async function feed(session: ParallelHashSession, data: Buffer): Promise<void> {
  for (let offset = 0, step = 1; offset < data.length; offset += step, step = (step * 7 + 13_001) % 400_000) {
    await session.update(data.subarray(offset, offset + step));
  }
}

describe('ParallelHashSession', () => {
  afterAll(() => stopIdleHashWorkers());

  it('native: the four digests equal node:crypto over the same bytes', async () => {
    const data = randomBytes(3_000_003);
    const session = new ParallelHashSession('native');
    await feed(session, data);
    expect(await session.digest()).toEqual(expected(data));
  });

  it('native: chunks larger than a batch (several MiB at once) give the same digests', async () => {
    const data = randomBytes(9 * 1024 * 1024 + 5);
    const session = new ParallelHashSession('native');
    for (let offset = 0; offset < data.length; offset += 4 * 1024 * 1024 + 1) {
      await session.update(data.subarray(offset, offset + 4 * 1024 * 1024 + 1));
    }
    expect(await session.digest()).toEqual(expected(data));
  });

  it('resumable: state saved after each part and resumed in a new session gives the one-shot digests', async () => {
    const data = randomBytes(2_500_017);
    const cuts = [0, 1, 700_000, 1_900_123, data.length];
    let state = undefined as Awaited<ReturnType<ParallelHashSession['save']>> | undefined;
    for (let i = 0; i + 1 < cuts.length; i++) {
      const session = new ParallelHashSession('resumable', state);
      await feed(session, data.subarray(cuts[i], cuts[i + 1]));
      state = await session.save();
      session.discard();
    }
    const last = new ParallelHashSession('resumable', state);
    expect(await last.digest()).toEqual(expected(data));
  });

  it('many sessions at once stay separate', async () => {
    const inputs = Array.from({ length: 12 }, (_, i) => randomBytes(100_000 * (i + 1)));
    const results = await Promise.all(
      inputs.map(async (data, i) => {
        const session = new ParallelHashSession(i % 2 ? 'native' : 'resumable');
        await feed(session, data);
        return session.digest();
      }),
    );
    results.forEach((r, i) => expect(r).toEqual(expected(inputs[i])));
  });

  it('an empty input hashes as the empty string', async () => {
    expect(await new ParallelHashSession('native').digest()).toEqual(expected(Buffer.alloc(0)));
  });
});
