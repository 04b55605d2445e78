import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { jsonArray } from './json-array';

async function written(items: AsyncIterable<unknown> | Iterable<unknown>): Promise<string[]> {
  const writes: string[] = [];
  await pipeline(
    Readable.from(items),
    jsonArray((item) => item),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        writes.push(chunk.toString('utf8'));
        done();
      },
    }),
  );
  return writes;
}

describe('jsonArray', () => {
  it('writes an empty array, and one item, as JSON', async () => {
    expect((await written([])).join('')).toBe('[]');
    expect((await written([{ a: 'x"y' }])).join('')).toBe('[{"a":"x\\"y"}]');
  });

  it('writes the items that arrive together (a cursor batch) as one chunk, in order', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({ i, name: `file-${i}` }));
    async function* batches() {
      for (let b = 0; b < 10; b++) {
        yield* rows.slice(b * 100, b * 100 + 100);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const writes = await written(batches());
    expect(JSON.parse(writes.join(''))).toEqual(rows);
    // One item per write would be 1,001 writes; batching leaves a few per batch at most.
    expect(writes.length).toBeLessThan(100);
  });
});
