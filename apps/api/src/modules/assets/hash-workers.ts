import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { FileHashes, SavedHashState } from './hashing';

/**
 * Worker threads that compute an upload's four digests in parallel with the request's I/O, on
 * three threads of about equal work: MD5, SHA-512, SHA-1+SHA-256 (node:crypto on one core here:
 * MD5 ≈ 620, SHA-512 ≈ 680, SHA-1 ≈ 1,580, SHA-256 ≈ 1,470 MiB/s). With two pairs, the heavier
 * pair bounded an upload at ≈ 435 MiB/s even with idle cores; now MD5 alone does. Two engines:
 * - `native` (node:crypto, fastest) for single uploads, hashed start to end in one process;
 * - `resumable` (hash-wasm, whose state can be saved) for chunked uploads, whose hashing state is
 *   stored in PostgreSQL between parts so that any node can continue it.
 * Many uploads share the threads through session ids; bytes travel as SharedArrayBuffer batches
 * posted to every thread, so each byte is copied once. Idle threads are stopped.
 */

export type HashEngine = 'native' | 'resumable';

// Plain JS, evaluated in the worker: no bundler or TS loader involved. Messages are handled in
// order (hash-wasm creates hashers asynchronously).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const wasm = workerData.engine === 'resumable' ? require(workerData.hashWasmPath) : undefined;
const factories = { md5: 'createMD5', sha1: 'createSHA1', sha256: 'createSHA256', sha512: 'createSHA512' };
const sessions = new Map();
async function open(states) {
  if (!wasm) return workerData.algorithms.map((a) => createHash(a));
  return Promise.all(workerData.algorithms.map(async (a) => {
    const h = await wasm[factories[a]]();
    h.init();
    if (states) h.load(Buffer.from(states[a], 'base64'));
    return h;
  }));
}
async function handle(m) {
  if (m.op === 'start') {
    sessions.set(m.id, await open(m.states));
  } else if (m.op === 'update') {
    const view = new Uint8Array(m.buffer, 0, m.length);
    for (const h of sessions.get(m.id)) h.update(view);
    parentPort.postMessage({ id: m.id, op: 'ack' });
  } else if (m.op === 'save') {
    const states = {};
    sessions.get(m.id).forEach((h, i) => (states[workerData.algorithms[i]] = Buffer.from(h.save()).toString('base64')));
    parentPort.postMessage({ id: m.id, op: 'result', values: states });
  } else if (m.op === 'digest') {
    const values = {};
    sessions.get(m.id).forEach((h, i) => (values[workerData.algorithms[i]] = h.digest('hex')));
    sessions.delete(m.id);
    parentPort.postMessage({ id: m.id, op: 'result', values });
  } else if (m.op === 'discard') {
    sessions.delete(m.id);
  }
}
let chain = Promise.resolve();
parentPort.on('message', (m) => {
  chain = chain.then(() => handle(m)).catch((e) => parentPort.postMessage({ id: m.id, op: 'error', message: String(e && e.message || e) }));
});
`;

const GROUPS: (keyof FileHashes)[][] = [['md5'], ['sha512'], ['sha1', 'sha256']];

interface Listener {
  ack(): void;
  result(values: Record<string, string>): void;
  fail(error: Error): void;
}

interface WorkerMessage {
  id: number;
  op: 'ack' | 'result' | 'error';
  values?: Record<string, string>;
  message?: string;
}

const IDLE_MS = 5000;

class HashWorkerPool {
  private workers?: Worker[];
  private readonly listeners = new Map<number, Listener[]>();
  private nextId = 1;
  private idleTimer?: NodeJS.Timeout;

  constructor(private readonly engine: HashEngine) {}

  private start(): Worker[] {
    if (this.workers) return this.workers;
    const hashWasmPath = this.engine === 'resumable' ? createRequire(__filename).resolve('hash-wasm') : undefined;
    const workers = GROUPS.map((algorithms, index) => {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { algorithms, engine: this.engine, hashWasmPath },
      });
      worker.unref();
      worker.on('message', (m: WorkerMessage) => {
        const listener = this.listeners.get(m.id)?.[index];
        if (m.op === 'ack') listener?.ack();
        else if (m.op === 'result') listener?.result(m.values ?? {});
        else listener?.fail(new Error(`hash worker: ${m.message}`));
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

  open(listeners: Listener[], states?: SavedHashState | null) {
    const workers = this.start();
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    this.listeners.set(id, listeners);
    workers.forEach((w) => w.postMessage({ op: 'start', id, states: states ?? undefined }));
    return {
      post: (message: object) => workers.forEach((w) => w.postMessage({ ...message, id })),
      close: () => {
        if (!this.listeners.delete(id)) return;
        workers.forEach((w) => w.postMessage({ op: 'discard', id }));
        this.scheduleIdleStop();
      },
    };
  }
}

const pools: Record<HashEngine, HashWorkerPool> = {
  native: new HashWorkerPool('native'),
  resumable: new HashWorkerPool('resumable'),
};

/** Stops the hashing threads now unless an upload is using them (on application shutdown). */
export async function stopIdleHashWorkers(): Promise<void> {
  await Promise.all(Object.values(pools).map((p) => p.stopIfIdle()));
}

// Per upload about (MAX_IN_FLIGHT_BATCHES + 1) × BATCH_BYTES of shared memory (a chunk larger than
// a batch may add its own size): bounded under concurrency. 1 MiB batches: a GiB is 1,024 messages
// per thread, each hashed in one call.
const BATCH_BYTES = 1024 * 1024;
const MAX_IN_FLIGHT_BATCHES = 6;

/**
 * Batch buffers are recycled: shared memory is only reclaimed by a full GC, so allocating one per
 * batch would grow the RSS by the size of every upload.
 */
const freeSlots: SharedArrayBuffer[] = [];
const MAX_FREE_SLOTS = 8;
const takeSlot = () => freeSlots.pop() ?? new SharedArrayBuffer(BATCH_BYTES);
const returnSlot = (slot: SharedArrayBuffer) => {
  if (freeSlots.length < MAX_FREE_SLOTS) freeSlots.push(slot);
};

/**
 * One upload's hashing session. `write` copies bytes into the current batch and says whether the
 * workers are too far behind (then wait for `ready`: backpressure), `update` does both; `save`
 * returns the resumable state so far; `digest` finishes and returns the four hashes.
 */
export class ParallelHashSession {
  private batch = new Uint8Array(takeSlot());
  private filled = 0;
  /** Posted batches, oldest first; each worker handles its messages in order. */
  private readonly inFlight: SharedArrayBuffer[] = [];
  private readonly acks = GROUPS.map(() => 0);
  private waiters: (() => void)[] = [];
  private failure?: Error;
  private results: (Record<string, string> | undefined)[] = [];
  private onResult?: () => void;
  private closed = false;
  private readonly channel: ReturnType<HashWorkerPool['open']>;

  constructor(engine: HashEngine = 'native', states?: SavedHashState | null) {
    this.channel = pools[engine].open(
      GROUPS.map((_, index) => ({
        ack: () => {
          this.acks[index]++;
          // A batch every worker has hashed can be reused.
          while (this.acks.every((n) => n > 0)) {
            this.acks.forEach((n, i) => (this.acks[i] = n - 1));
            returnSlot(this.inFlight.shift() as SharedArrayBuffer);
          }
          this.wake();
        },
        result: (values) => {
          this.results[index] = values;
          this.onResult?.();
        },
        fail: (error) => {
          this.failure ??= error;
          this.wake();
          this.onResult?.();
        },
      })),
      states,
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

  /** Copies `chunk` for hashing; false when the workers are behind: wait for `ready()` before more. */
  write(chunk: Uint8Array): boolean {
    if (this.failure) throw this.failure;
    for (let offset = 0; offset < chunk.length; ) {
      const n = Math.min(chunk.length - offset, BATCH_BYTES - this.filled);
      this.batch.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === BATCH_BYTES) this.flush();
    }
    return this.inFlight.length < MAX_IN_FLIGHT_BATCHES;
  }

  /** Resolves once the workers have caught up enough to take more (rejects if one failed). */
  async ready(): Promise<void> {
    while (this.inFlight.length >= MAX_IN_FLIGHT_BATCHES && !this.failure) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.failure) throw this.failure;
  }

  async update(chunk: Uint8Array): Promise<void> {
    if (!this.write(chunk)) await this.ready();
  }

  /** Flushes, asks every worker for `op`, and merges their answers. */
  private async collect(op: 'save' | 'digest'): Promise<Record<string, string>> {
    this.flush();
    this.results = GROUPS.map(() => undefined);
    const done = new Promise<void>(
      (resolve) => (this.onResult = () => (this.results.every(Boolean) || this.failure) && resolve()),
    );
    this.channel.post({ op });
    await done;
    if (this.failure) throw this.failure;
    return Object.assign({}, ...this.results);
  }

  /** The resumable state after every byte so far (resumable engine only). */
  async save(): Promise<SavedHashState> {
    return (await this.collect('save')) as SavedHashState;
  }

  async digest(): Promise<FileHashes> {
    try {
      return (await this.collect('digest')) as unknown as FileHashes;
    } finally {
      this.discard();
    }
  }

  /** Ends the session (after digest, after save, or on failure); in-flight slots are left to the GC. */
  discard(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel.close();
    returnSlot(this.batch.buffer as SharedArrayBuffer);
  }
}
