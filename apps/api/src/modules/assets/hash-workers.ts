import { Worker } from 'node:worker_threads';
import type { FileHashes } from './hashing';

/**
 * Two long-lived worker threads that compute the four digests of an upload in parallel with the
 * request's I/O: MD5+SHA-256 on one, SHA-1+SHA-512 on the other (balanced on this hardware).
 * Many uploads share them through session ids. Bytes travel as SharedArrayBuffer batches posted to
 * both workers, so each batch is copied once.
 */

// Plain JS, evaluated in the worker: no bundler or TS loader involved.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const sessions = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    let s = sessions.get(m.id);
    if (!s) sessions.set(m.id, (s = workerData.algorithms.map((a) => createHash(a))));
    const view = new Uint8Array(m.buffer, 0, m.length);
    for (const h of s) h.update(view);
    parentPort.postMessage({ id: m.id, op: 'ack', length: m.length });
  } else if (m.op === 'digest') {
    const s = sessions.get(m.id) || workerData.algorithms.map((a) => createHash(a));
    sessions.delete(m.id);
    parentPort.postMessage({ id: m.id, op: 'digest', digests: s.map((h) => h.digest('hex')) });
  } else if (m.op === 'discard') {
    sessions.delete(m.id);
  }
});
`;

const GROUPS: (keyof FileHashes)[][] = [
  ['md5', 'sha256'],
  ['sha1', 'sha512'],
];

interface Listener {
  ack(length: number): void;
  digest(digests: string[]): void;
  fail(error: Error): void;
}

const IDLE_MS = 5000;

class HashWorkerPool {
  private workers?: Worker[];
  private readonly listeners = new Map<number, Listener[]>();
  private nextId = 1;
  private idleTimer?: NodeJS.Timeout;

  /** Threads are released after a quiet spell, so an idle process holds none. */
  private scheduleIdleStop(): void {
    clearTimeout(this.idleTimer);
    if (this.listeners.size > 0 || !this.workers) return;
    this.idleTimer = setTimeout(() => void this.stopIfIdle(), IDLE_MS);
    this.idleTimer.unref();
  }

  async stopIfIdle(): Promise<void> {
    if (this.listeners.size > 0) return;
    clearTimeout(this.idleTimer);
    const workers = this.workers;
    this.workers = undefined;
    await Promise.all((workers ?? []).map((w) => w.terminate()));
  }

  private start(): Worker[] {
    if (this.workers) return this.workers;
    const workers = GROUPS.map((algorithms, index) => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { algorithms } });
      worker.unref();
      worker.on('message', (m: { id: number; op: string; length?: number; digests?: string[] }) => {
        const listener = this.listeners.get(m.id)?.[index];
        if (m.op === 'ack') listener?.ack(m.length ?? 0);
        else if (m.op === 'digest') listener?.digest(m.digests ?? []);
      });
      // Only a failure of the current generation matters (an idle stop replaces the workers).
      worker.on('error', (e) => this.workers?.includes(worker) && this.crash(e));
      worker.on('exit', () => this.workers?.includes(worker) && this.crash(new Error('hash worker exited')));
      return worker;
    });
    this.workers = workers;
    return workers;
  }

  private crash(error: Error): void {
    this.workers?.forEach((w) => void w.terminate());
    this.workers = undefined;
    for (const listeners of this.listeners.values()) listeners.forEach((l) => l.fail(error));
    this.listeners.clear();
  }

  open(listeners: Listener[]): { id: number; post(message: object): void; close(): void } {
    const workers = this.start();
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    this.listeners.set(id, listeners);
    return {
      id,
      post: (message) => workers.forEach((w) => w.postMessage({ ...message, id })),
      close: () => {
        if (!this.listeners.delete(id)) return;
        workers.forEach((w) => w.postMessage({ op: 'discard', id }));
        this.scheduleIdleStop();
      },
    };
  }
}

const pool = new HashWorkerPool();

/** Stops the hashing threads now unless an upload is using them (on application shutdown). */
export function stopIdleHashWorkers(): Promise<void> {
  return pool.stopIfIdle();
}

const BATCH_BYTES = 1024 * 1024;
const MAX_IN_FLIGHT_BATCHES = 8;

/**
 * Batch buffers are recycled: shared memory is only reclaimed by a full GC, so allocating one per
 * batch would grow the RSS by the size of every upload.
 */
const freeSlots: SharedArrayBuffer[] = [];
const MAX_FREE_SLOTS = 32;
const takeSlot = () => freeSlots.pop() ?? new SharedArrayBuffer(BATCH_BYTES);
const returnSlot = (slot: SharedArrayBuffer) => {
  if (freeSlots.length < MAX_FREE_SLOTS) freeSlots.push(slot);
};

/**
 * One upload's hashing session. `update` copies bytes into the current batch and resolves when
 * the workers are not too far behind (backpressure); `digest` flushes and returns all four hashes.
 */
export class ParallelHashSession {
  private batch = new Uint8Array(takeSlot());
  private filled = 0;
  /** Posted batches, oldest first; each worker handles its messages in order. */
  private readonly inFlight: SharedArrayBuffer[] = [];
  private readonly acks = [0, 0];
  private waiters: (() => void)[] = [];
  private failure?: Error;
  private readonly digests: (string[] | undefined)[] = [undefined, undefined];
  private onDigest?: () => void;
  private readonly channel: ReturnType<HashWorkerPool['open']>;

  constructor() {
    this.channel = pool.open(
      GROUPS.map((_, index) => ({
        ack: () => {
          this.acks[index]++;
          // A batch both workers have hashed can be reused.
          while (this.acks[0] > 0 && this.acks[1] > 0) {
            this.acks[0]--;
            this.acks[1]--;
            returnSlot(this.inFlight.shift() as SharedArrayBuffer);
          }
          this.wake();
        },
        digest: (digests) => {
          this.digests[index] = digests;
          this.onDigest?.();
        },
        fail: (error) => {
          this.failure = error;
          this.wake();
          this.onDigest?.();
        },
      })),
    );
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }

  private flush(): void {
    if (this.filled === 0) return;
    const slot = this.batch.buffer as SharedArrayBuffer;
    this.channel.post({ op: 'update', buffer: slot, length: this.filled });
    this.inFlight.push(slot);
    this.batch = new Uint8Array(takeSlot());
    this.filled = 0;
  }

  async update(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      while (this.inFlight.length >= MAX_IN_FLIGHT_BATCHES && !this.failure) {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      }
      if (this.failure) throw this.failure;
      const n = Math.min(chunk.length - offset, BATCH_BYTES - this.filled);
      this.batch.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === BATCH_BYTES) this.flush();
    }
  }

  async digest(): Promise<FileHashes> {
    this.flush();
    const done = new Promise<void>(
      (resolve) => (this.onDigest = () => (this.digests.every(Boolean) || this.failure) && resolve()),
    );
    this.channel.post({ op: 'digest' });
    await done;
    this.channel.close();
    returnSlot(this.batch.buffer as SharedArrayBuffer);
    if (this.failure) throw this.failure;
    const out = {} as FileHashes;
    GROUPS.forEach((algorithms, index) =>
      algorithms.forEach((a, i) => (out[a] = (this.digests[index] as string[])[i])),
    );
    return out;
  }

  /** Frees the session when the upload fails before digest (in-flight slots are left to the GC). */
  discard(): void {
    this.channel.close();
  }
}
