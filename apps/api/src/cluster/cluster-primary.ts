import cluster, { Worker } from 'node:cluster';
import type { Logger } from '@nestjs/common';
import type pino from 'pino';
import type { AppConfig } from '../config/app-config';
import { listeningUrl, startupBanner } from '../common/logging/startup-banner';
import type { CacheScope } from '../database/cache-scope';
import type { EmbeddedDatabase } from '../database/embedded-postgres';
import { WORKER_POOL_MAX_VARIABLE } from '../database/data-source';
import { gatherClusterMetrics } from '../modules/observability/cluster-metrics';
import { ADMIN_PASSWORD_IGNORED, ADMIN_USER, AdminBootstrapOutcome } from '../modules/security/admin-bootstrap.service';
import { ClusterMessage, isClusterMessage } from './worker-channel';

/** Set by the primary for its workers: the database to use (the embedded one's URL holds its password). */
export const WORKER_DATABASE_URL_VARIABLE = 'STOCKROOM_WORKER_DATABASE_URL';

/** A sibling that has not acknowledged an invalidation by then is restarted (the writer goes on). */
const ACK_TIMEOUT_MS = 5_000;
/** Workers that die before listening this many times in a row: the server stops (a crash loop). */
const MAX_START_FAILURES = 3;
const RESTART_BACKOFF_MS = [100, 500, 1_000, 2_000, 5_000, 10_000, 30_000];
/** A worker that served this long resets the backoff. */
const STABLE_MS = 60_000;

interface PrimaryOptions {
  config: AppConfig;
  databaseUrl: string;
  poolMax: number;
  embedded?: EmbeddedDatabase;
  log: pino.Logger;
  logger: Logger;
}

interface Invalidation {
  writer: Worker;
  id: number;
  waiting: Set<number>;
  timer: NodeJS.Timeout;
}

/**
 * The primary of STOCKROOM_WORKERS > 1 (node cluster): the first-start work is done when this
 * runs (main.ts). It forks the workers, which share the port (cluster's round-robin; PORT=0 gives
 * them all the one port the primary opened), prints the start lines once all of them listen,
 * restarts a worker that dies (with backoff; one that keeps dying at start stops the server),
 * relays cache invalidations between workers and gathers their metrics. SIGTERM/SIGINT: the
 * workers drain and stop (as one process does), then the embedded PostgreSQL stops; exit 0.
 */
export function runPrimary(options: PrimaryOptions): void {
  const { config, logger } = options;
  const env = {
    [WORKER_DATABASE_URL_VARIABLE]: options.databaseUrl,
    [WORKER_POOL_MAX_VARIABLE]: String(options.poolMax),
  };
  const listening = new Set<number>();
  const startedAt = new Map<number, number>();
  const invalidations = new Map<number, Invalidation>();
  let nextToken = 1;
  let adminOutcome: AdminBootstrapOutcome = { created: false };
  let announced = false;
  let stopping = false;
  let startFailures = 0;
  let restarts = 0;

  const fork = () => {
    const worker = cluster.fork(env);
    startedAt.set(worker.id, Date.now());
    worker.on('message', (message: unknown) => {
      if (isClusterMessage(message)) onMessage(worker, message);
    });
    return worker;
  };

  const onMessage = (worker: Worker, message: ClusterMessage) => {
    switch (message.stockroom) {
      case 'listening':
        listening.add(worker.id);
        startFailures = 0;
        if (message.admin.created) adminOutcome = message.admin;
        if (!announced && listening.size >= config.workers) announce(message.address);
        else if (announced) logger.log(`Worker ${worker.process.pid} listens`);
        return;
      case 'invalidate':
        relayInvalidation(worker, message.id, message.scopes);
        return;
      case 'invalidate-ack':
        acknowledged(worker, message.token);
        return;
      case 'metrics':
        gatherClusterMetrics().then(
          (text) => send(worker, { stockroom: 'metrics-result', id: message.id, text }),
          (e: unknown) => send(worker, { stockroom: 'metrics-result', id: message.id, error: describe(e) }),
        );
        return;
      default:
        return;
    }
  };

  const announce = (address: unknown) => {
    announced = true;
    if (!adminOutcome.created && config.security.adminPassword) {
      options.log.child({ context: 'Security' }).info(ADMIN_PASSWORD_IGNORED);
    }
    const url = listeningUrl(address as Parameters<typeof listeningUrl>[0], config.host);
    // The start lines are shown whatever STOCKROOM_LOG_LEVEL says (scripts read the first).
    const startLog = options.log.child({ context: 'Stockroom' }, { level: 'info' });
    startLog.info(`Stockroom listening on ${url}`);
    const banner = startupBanner({
      version: config.version,
      listening: url,
      publicUrl: config.baseUrl,
      dataDir: config.dataDir,
      adminUser: ADMIN_USER,
      admin: adminOutcome,
    });
    adminOutcome = adminOutcome.created ? { created: true } : adminOutcome;
    startLog.info({ ...banner.fields, workers: config.workers }, banner.message);
  };

  // worker → primary → every other worker → acks → primary → writer
  const relayInvalidation = (writer: Worker, id: number, scopes: readonly CacheScope[]) => {
    const token = nextToken++;
    const waiting = new Set<number>();
    for (const sibling of Object.values(cluster.workers ?? {})) {
      if (!sibling || sibling === writer || !sibling.isConnected()) continue;
      if (send(sibling, { stockroom: 'invalidate-sibling', token, scopes })) waiting.add(sibling.id);
    }
    if (waiting.size === 0) {
      send(writer, { stockroom: 'invalidated', id, late: 0 });
      return;
    }
    const timer = setTimeout(() => {
      invalidations.delete(token);
      send(writer, { stockroom: 'invalidated', id, late: waiting.size });
      for (const workerId of waiting) {
        const hung = cluster.workers?.[workerId];
        if (!hung || stopping) continue;
        logger.error(
          `Worker ${hung.process.pid} did not confirm a cache invalidation within ${ACK_TIMEOUT_MS / 1000} s: restarting it`,
        );
        hung.process.kill('SIGKILL');
      }
    }, ACK_TIMEOUT_MS);
    invalidations.set(token, { writer, id, waiting, timer });
  };

  const acknowledged = (worker: Worker, token: number) => {
    const invalidation = invalidations.get(token);
    if (!invalidation) return;
    invalidation.waiting.delete(worker.id);
    if (invalidation.waiting.size > 0) return;
    clearTimeout(invalidation.timer);
    invalidations.delete(token);
    send(invalidation.writer, { stockroom: 'invalidated', id: invalidation.id, late: 0 });
  };

  cluster.on('exit', (worker, code, signal) => {
    const wasListening = listening.delete(worker.id);
    const served = Date.now() - (startedAt.get(worker.id) ?? Date.now());
    startedAt.delete(worker.id);
    // A dead sibling cannot serve stale data: waiting for it is over.
    for (const [token, invalidation] of invalidations) {
      if (invalidation.waiting.delete(worker.id) && invalidation.waiting.size === 0) {
        clearTimeout(invalidation.timer);
        invalidations.delete(token);
        send(invalidation.writer, { stockroom: 'invalidated', id: invalidation.id, late: 0 });
      }
    }
    if (stopping) return;
    const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
    if (!wasListening) {
      startFailures++;
      if (startFailures >= MAX_START_FAILURES) {
        logger.error(
          `Worker ${worker.process.pid} ${how} before it listened: ${startFailures} workers in a row failed to start ` +
            '(see the messages above). Stopping the server.',
        );
        void stop('Workers fail to start', 1);
        return;
      }
    }
    if (served > STABLE_MS) restarts = 0;
    const delay = RESTART_BACKOFF_MS[Math.min(restarts, RESTART_BACKOFF_MS.length - 1)];
    restarts++;
    logger.warn(`Worker ${worker.process.pid} ${how}: starting another in ${delay} ms`);
    setTimeout(() => {
      if (!stopping) fork();
    }, delay);
  });

  const stop = async (reason: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${reason}: shutting down ${Object.keys(cluster.workers ?? {}).length} worker(s)`);
    setTimeout(
      () => {
        logger.error(`Shutdown did not finish within ${config.shutdownSeconds + 20} s; exiting anyway`);
        for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
        process.exit(1);
      },
      (config.shutdownSeconds + 20) * 1000,
    ).unref();
    let code = exitCode;
    const exits = Object.values(cluster.workers ?? {}).map(
      (worker) =>
        new Promise<void>((done) => {
          if (!worker || worker.isDead()) return done();
          worker.once('exit', (workerCode) => {
            if (workerCode !== 0) code = code || 1;
            done();
          });
          // Each worker drains its requests and stops its services (GracefulShutdown), as one process does.
          worker.process.kill('SIGTERM');
        }),
    );
    await Promise.all(exits);
    await options.embedded
      ?.stop()
      .catch((e: unknown) => logger.warn(`The embedded PostgreSQL did not stop: ${describe(e)}`));
    logger.log('Stopped');
    process.exit(code);
  };
  // embedded-postgres (through async-exit-hook) answers these signals by stopping its PostgreSQL and
  // exiting at once: here it is stopped after the workers.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void stop(signal));
  }

  logger.log(`Starting ${config.workers} workers (STOCKROOM_WORKERS), database pool ${options.poolMax} each`);
  for (let i = 0; i < config.workers; i++) fork();
}

function send(worker: Worker, message: ClusterMessage): boolean {
  if (!worker.isConnected()) return false;
  try {
    worker.send(message);
    return true;
  } catch {
    return false;
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}
