import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { SharedFetch } from './shared-fetch';

const MiB = 1024 * 1024;

/** Everything a stream gives, and a look at how much so far. */
function collect(stream: Readable) {
  const chunks: Buffer[] = [];
  let bytes = 0;
  stream.on('data', (c: Buffer) => {
    chunks.push(c);
    bytes += c.length;
  });
  const done = new Promise<Buffer>((resolve, reject) => {
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
  done.catch(() => undefined);
  return { done, bytes: () => bytes };
}

/** A client's view, which must exist while the fetch streams. */
async function reader(fetch: SharedFetch): Promise<Readable> {
  const r = await fetch.reader();
  if (!r) throw new Error('no reader while the fetch streams');
  return r;
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

/**
 * One upstream body, several clients: each gets every byte in order, whether it keeps up (the
 * memory window) or joins after the window has moved on (the spool), and nobody gets the last byte
 * before the file is stored.
 */
describe('SharedFetch', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shared-fetch-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('streams the body to early and late clients, holding the last byte until the file is stored', async () => {
    const body = randomBytes(24 * MiB);
    const upstream = new PassThrough();
    const fetch = new SharedFetch();
    const toStorage = collect(await fetch.spool(dir, upstream, body.length));

    upstream.write(body.subarray(0, 64 * 1024));
    await fetch.ready;
    const first = collect(await reader(fetch));

    // More than the window has passed before the second client comes: it starts from the spool.
    for (let at = 64 * 1024; at < 20 * MiB; at += 256 * 1024)
      upstream.write(body.subarray(at, Math.min(at + 256 * 1024, 20 * MiB)));
    await until(() => fetch.received >= 20 * MiB);
    const late = collect(await reader(fetch));

    upstream.end(body.subarray(20 * MiB));
    expect((await toStorage.done).equals(body)).toBe(true);
    await until(() => first.bytes() === body.length - 1 && late.bytes() === body.length - 1);
    await new Promise((r) => setTimeout(r, 50));
    expect([first.bytes(), late.bytes()]).toEqual([body.length - 1, body.length - 1]);

    fetch.finish();
    expect((await first.done).equals(body)).toBe(true);
    expect((await late.done).equals(body)).toBe(true);
    expect(await fetch.stored).toBe(true);
    await fetch.cleanup();
    expect(await readdir(dir)).toEqual([]);
    expect(await fetch.reader()).toBeNull();
  });

  it('cuts every client off when the fetch fails, and refuses a body longer than announced', async () => {
    const upstream = new PassThrough();
    const fetch = new SharedFetch();
    const toStorage = collect(await fetch.spool(dir, upstream, 4 * MiB));
    upstream.write(randomBytes(MiB));
    await fetch.ready;
    const client = collect(await reader(fetch));
    upstream.write(randomBytes(4 * MiB));
    await expect(toStorage.done).rejects.toThrow(/more than the 4194304 bytes/);
    fetch.fail(new Error('upstream went away'));
    await expect(client.done).rejects.toThrow(/The upstream fetch failed: upstream went away/);
    expect(client.bytes()).toBeLessThan(4 * MiB);
    expect(await fetch.stored).toBe(false);
    await fetch.cleanup();
  });
});
