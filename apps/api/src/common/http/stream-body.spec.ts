import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { once } from 'node:events';
import { Registry } from 'prom-client';
import { DiskStorageProvider, LocalFileReadable, type ByteRange } from '@stockroom/storage';
import { TransferMetrics } from '../../modules/observability/transfer-metrics';
import { streamBody } from './stream-body';

const MiB = 1024 * 1024;

describe('streamBody', () => {
  let root: string;
  let provider: DiskStorageProvider;
  let content: Buffer;
  let server: Server;
  let base: string;
  /** What the server's handler did with the last request: its body stream and how streamBody ended. */
  let last: { body: Readable; sent: Promise<unknown> };

  const rangeOf = (req: IncomingMessage): ByteRange | undefined => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    return m ? { start: Number(m[1]), end: Number(m[2]) } : undefined;
  };

  beforeAll(async () => {
    root = await fsp.mkdtemp(path.join(tmpdir(), 'stream-body-'));
    provider = new DiskStorageProvider(root);
    // 2.5 MiB: chunks of 1 MiB, 1 MiB and a partial one.
    content = randomBytes(2.5 * MiB);
    await provider.write('big', Readable.from([content]));
    await provider.write('small', Readable.from([content.subarray(0, 1000)]));
    server = createServer((req, res) => {
      const url = req.url?.slice(1) ?? '';
      // `short`: the big file, announced 1 MiB longer than it is.
      const key = url === 'short' ? 'big' : url;
      const range = rangeOf(req);
      const opened = provider.read(key, range);
      const sent = opened.then(async (body) => {
        const size = url === 'short' ? content.length + MiB : key === 'big' ? content.length : 1000;
        const length = range ? Math.min(range.end, size - 1) - range.start + 1 : size;
        res.writeHead(range ? 206 : 200, { 'Content-Length': Math.max(length, 0) });
        last = { body, sent };
        await streamBody(body, res, Math.max(length, 0));
      });
      sent.catch(() => res.destroy());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.close();
    await fsp.rm(root, { recursive: true, force: true });
  });

  const fetchBytes = (url: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      }).on('error', reject);
    });

  it('sends a local file of several chunks byte for byte, and ends its stream (file closed)', async () => {
    const { status, body } = await fetchBytes(`${base}/big`);
    expect(status).toBe(200);
    expect(body.equals(content)).toBe(true);
    await last.sent;
    expect(last.body).toBeInstanceOf(LocalFileReadable);
    if (!last.body.closed) await once(last.body, 'close');
    expect(last.body.readableEnded).toBe(true);
  });

  it('sends small files whole', async () => {
    const { body } = await fetchBytes(`${base}/small`);
    expect(body.equals(content.subarray(0, 1000))).toBe(true);
  });

  it.each([
    [0, MiB - 1],
    [MiB - 1, MiB],
    [MiB - 1, 2 * MiB],
    [1, 2.5 * MiB - 2],
    [MiB, 2.5 * MiB - 1],
    [2.5 * MiB - 1, 2.5 * MiB - 1],
    [100, 100 + 64 * 1024],
    [7, 7 + 64 * 1024 - 1],
  ])('sends exactly the bytes of the range %d-%d', async (start, end) => {
    const { status, body } = await fetchBytes(`${base}/big`, { Range: `bytes=${start}-${end}` });
    expect(status).toBe(206);
    expect(body.equals(content.subarray(start, end + 1))).toBe(true);
  });

  it('sends an empty body (a range past the end of the file)', async () => {
    const { status, body } = await fetchBytes(`${base}/small`, { Range: 'bytes=5000-6000' });
    expect(status).toBe(206);
    expect(body.length).toBe(0);
  });

  it('cuts the connection when the file turns out shorter than announced, and closes the file', async () => {
    const received = await new Promise<{ bytes: number; complete: boolean }>((resolve) => {
      // A connection of its own: the server cuts it.
      get(`${base}/short`, { agent: false }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('error', () => undefined);
        res.on('close', () => resolve({ bytes, complete: res.complete }));
      });
    });
    expect(received.complete).toBe(false);
    expect(received.bytes).toBeLessThanOrEqual(content.length);
    await expect(last.sent).rejects.toThrow(/shorter/);
    // Not events.once: it rejects if the stream's 'error' (emitted just before 'close') comes first.
    const body = last.body;
    if (!body.closed) await new Promise((resolve) => body.once('close', resolve));
    expect(body.errored).toBeTruthy();
  });

  it('closes the file and counts the download as aborted when the client leaves mid-body', async () => {
    const registry = new Registry();
    const transfers = new TransferMetrics(registry);
    // Larger than what the kernel's socket buffers take in before the client reads.
    const huge = 64 * MiB;
    await provider.write('huge', Readable.from([Buffer.alloc(huge, 7)]));
    const abortServer = createServer((req, res) => {
      void provider.read('huge').then((body) => {
        last = { body: transfers.trackDownload(body), sent: Promise.resolve() };
        res.writeHead(200, { 'Content-Length': huge });
        last.sent = streamBody(last.body, res, huge);
      });
    });
    abortServer.listen(0, '127.0.0.1');
    await once(abortServer, 'listening');
    try {
      const { port } = abortServer.address() as AddressInfo;
      await new Promise<void>((resolve) => {
        const req = get(`http://127.0.0.1:${port}/`, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', () => undefined);
      });
      await last.sent.catch(() => undefined);
      if (!last.body.closed) await once(last.body, 'close');
      expect(last.body.readableEnded).toBe(false);
      const metrics = await registry.metrics();
      expect(metrics).toContain('stockroom_download_duration_seconds_count{outcome="aborted"} 1');
      expect(metrics).not.toContain('outcome="complete"');
    } finally {
      abortServer.close();
    }
  });

  it('reads one chunk ahead at most, writes the next only once the socket took the previous one, and never reuses a buffer still queued', async () => {
    const file = await provider.read('big');
    expect(file).toBeInstanceOf(LocalFileReadable);
    const readAt = jest.spyOn(file as LocalFileReadable, 'readAt');
    const received: Buffer[] = [];
    let queued = 0;
    let maxQueued = 0;
    let maxReadAhead = 0;
    /** A slow socket: each write is taken only when the test says so (its callback waits till then). */
    const release: Array<() => void> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        maxReadAhead = Math.max(maxReadAhead, readAt.mock.calls.length - (received.length + release.length));
        release.push(() => {
          // Copied when the socket takes it, not when it was written: a reused buffer would show here.
          received.push(Buffer.from(chunk));
          done();
        });
      },
    });
    const write = sink.write.bind(sink);
    sink.write = ((chunk: Buffer, cb: (e?: Error | null) => void) => {
      queued++;
      maxQueued = Math.max(maxQueued, queued);
      return write(chunk, (e) => {
        queued--;
        cb(e);
      });
    }) as typeof sink.write;
    const sent = streamBody(file, sink as unknown as ServerResponse, content.length);
    let ended = false;
    sink.on('finish', () => (ended = true));
    while (!ended) {
      if (release.length === 0) {
        await new Promise((r) => setImmediate(r));
        continue;
      }
      release.shift()?.();
    }
    await sent;
    expect(Buffer.concat(received).equals(content)).toBe(true);
    expect(maxQueued).toBe(1);
    expect(maxReadAhead).toBeLessThanOrEqual(1);
  });

  it('pipes other bodies, small and large', async () => {
    const sink = new Collector();
    await streamBody(Readable.from([content.subarray(0, 10), content.subarray(10, 20)]), sink.response, 20);
    expect(sink.body().equals(content.subarray(0, 20))).toBe(true);
    const large = new Collector();
    await streamBody(Readable.from([content]), large.response, content.length);
    expect(large.body().equals(content)).toBe(true);
  });
});

/** A response stand-in that keeps what it is sent. */
class Collector {
  private readonly chunks: Buffer[] = [];
  readonly response = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      this.chunks.push(Buffer.from(chunk));
      done();
    },
  }) as unknown as ServerResponse;

  body(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
