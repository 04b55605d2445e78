import cluster from 'node:cluster';
import { Logger } from '@nestjs/common';
import type { CacheScope } from '../database/cache-scope';
import type { AdminBootstrapOutcome } from '../modules/security/admin-bootstrap.service';

/**
 * The messages between the primary and its workers (STOCKROOM_WORKERS > 1), over cluster's IPC
 * channel. Every message of ours carries `stockroom`, so prom-client's and cluster's own pass by.
 */
export type ClusterMessage =
  /** Worker → primary: I dropped what `scopes` cover, have every sibling do so and tell me when they have. */
  | { stockroom: 'invalidate'; id: number; scopes: readonly CacheScope[] }
  /** Primary → worker: the siblings acknowledged (or did not within the timeout: `late` of them). */
  | { stockroom: 'invalidated'; id: number; late: number }
  /** Primary → worker: a sibling wrote: drop what `scopes` cover, then acknowledge. */
  | { stockroom: 'invalidate-sibling'; token: number; scopes: readonly CacheScope[] }
  /** Worker → primary. */
  | { stockroom: 'invalidate-ack'; token: number }
  /** Worker → primary: this worker listens (its address), with what its start did about the Admin user. */
  | { stockroom: 'listening'; address: unknown; admin: AdminBootstrapOutcome }
  /** Worker → primary: the metrics of every worker, please. */
  | { stockroom: 'metrics'; id: number }
  /** Primary → worker. */
  | { stockroom: 'metrics-result'; id: number; text?: string; error?: string };

export function isClusterMessage(message: unknown): message is ClusterMessage {
  return typeof message === 'object' && message !== null && 'stockroom' in message;
}

/** True in a worker of a Stockroom cluster (its primary answers the messages above). */
export function inClusterWorker(): boolean {
  return cluster.isWorker && typeof process.send === 'function';
}

/** How long a writer waits for its siblings' acknowledgements (the primary's own timeout is shorter). */
const WRITER_WAIT_MS = 6_000;
const METRICS_WAIT_MS = 10_000;

const siblingInvalidations = new Set<(scopes: readonly CacheScope[]) => void>();
const pending = new Map<number, (message: ClusterMessage) => void>();
let nextId = 1;
let installed = false;
const logger = new Logger('Cluster');

/**
 * Installs the worker's side of the channel (main.ts, before the app starts, so that an
 * invalidation that arrives while the app starts is acknowledged).
 */
export function installWorkerChannel(): void {
  if (installed || !inClusterWorker()) return;
  installed = true;
  process.on('message', (message: unknown) => {
    if (!isClusterMessage(message)) return;
    if (message.stockroom === 'invalidate-sibling') {
      for (const invalidate of siblingInvalidations) invalidate(message.scopes);
      send({ stockroom: 'invalidate-ack', token: message.token });
      return;
    }
    if (message.stockroom === 'invalidated' || message.stockroom === 'metrics-result') {
      pending.get(message.id)?.(message);
    }
  });
}

/** True once {@link installWorkerChannel} ran in a cluster worker. */
export function clusterChannelInstalled(): boolean {
  return installed;
}

/** Runs `invalidate` whenever a sibling worker changed cached data (returns: stop doing so). */
export function onSiblingInvalidation(invalidate: (scopes: readonly CacheScope[]) => void): () => void {
  siblingInvalidations.add(invalidate);
  return () => siblingInvalidations.delete(invalidate);
}

/**
 * Drops what `scopes` cover from the caches of the other workers of this server and resolves once
 * they acknowledged (or after a timeout: a hung sibling must not block writes; the primary then
 * restarts it). Resolves at once outside a cluster.
 */
export async function invalidateSiblings(scopes: readonly CacheScope[]): Promise<void> {
  if (!installed) return;
  const id = nextId++;
  const answer = await request(id, { stockroom: 'invalidate', id, scopes }, WRITER_WAIT_MS).catch(() => undefined);
  if (!answer) logger.warn('The other workers did not confirm a cache invalidation in time: answering anyway.');
}

/** The metrics of all workers, summed by the primary (prom-client's AggregatorRegistry). */
export async function clusterMetrics(): Promise<string> {
  const id = nextId++;
  const answer = await request(id, { stockroom: 'metrics', id }, METRICS_WAIT_MS);
  if (answer.stockroom !== 'metrics-result' || answer.text === undefined) {
    throw new Error(
      `the workers' metrics could not be gathered: ${(answer as { error?: string }).error ?? 'no answer'}`,
    );
  }
  return answer.text;
}

/** Tells the primary that this worker listens (it prints the banner once all do). */
export function reportListening(address: unknown, admin: AdminBootstrapOutcome): void {
  send({ stockroom: 'listening', address, admin });
}

function request(id: number, message: ClusterMessage, timeoutMs: number): Promise<ClusterMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error('timeout'));
    }, timeoutMs);
    pending.set(id, (answer) => {
      clearTimeout(timer);
      pending.delete(id);
      resolve(answer);
    });
    if (!send(message)) {
      clearTimeout(timer);
      pending.delete(id);
      reject(new Error('the primary is gone'));
    }
  });
}

function send(message: ClusterMessage): boolean {
  if (!process.send || !process.connected) return false;
  try {
    process.send(message);
    return true;
  } catch {
    return false;
  }
}
