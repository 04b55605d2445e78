import { INestApplication, Logger } from '@nestjs/common';
import cluster from 'node:cluster';
import { setFlagsFromString } from 'node:v8';
import type { Server } from 'node:http';
import type pino from 'pino';
import { runPrimary, WORKER_DATABASE_URL_VARIABLE } from './cluster/cluster-primary';
import { connectionLimits, poolSizing } from './cluster/pool-size';
import { installWorkerChannel, reportListening } from './cluster/worker-channel';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { secureDataDir } from './config/data-dir';
import { createApp, runMigrations } from './create-app';
import { rootLogger, standaloneNestLogger } from './common/logging/logger';
import { listeningUrl, startupBanner } from './common/logging/startup-banner';
import { EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres';
import { answerMetricsRequests } from './modules/observability/cluster-metrics';
import { ADMIN_USER, AdminBootstrapService } from './modules/security/admin-bootstrap.service';
import { StorageSecrets } from './modules/storage/storage-secrets';

let embedded: EmbeddedDatabase | undefined;

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const log = rootLogger(config);
  // Every `new Logger(…)` goes through pino from here on, also before Nest exists.
  Logger.overrideLogger(standaloneNestLogger(log));
  const logger = new Logger('Stockroom');

  const workerDatabaseUrl = process.env[WORKER_DATABASE_URL_VARIABLE];
  if (cluster.isWorker && workerDatabaseUrl) {
    delete process.env[WORKER_DATABASE_URL_VARIABLE]; // not handed down to this worker's own children
    await startWorker(config, workerDatabaseUrl, logger);
    return;
  }

  await secureDataDir(config.dataDir, !config.databaseUrl, logger);
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(config.dataDir, logger);
    databaseUrl = embedded.url;
    logger.log(`Using the embedded PostgreSQL under ${config.dataDir} (set DATABASE_URL to use your own server)`);
  }

  if (config.workers > 1) {
    await startPrimary(config, databaseUrl, log, logger);
    return;
  }

  const app = await createApp(config, databaseUrl);
  stopOnSignals(app, config, logger);

  await app.listen(config.port, config.host);
  const listening = listeningUrl((app.getHttpServer() as Server).address(), config.host);
  // The start lines are shown whatever STOCKROOM_LOG_LEVEL says (scripts read the first).
  const startLog = log.child({ context: 'Stockroom' }, { level: 'info' });
  startLog.info(`Stockroom listening on ${listening}`);
  const banner = startupBanner({
    version: config.version,
    listening,
    publicUrl: config.baseUrl,
    dataDir: config.dataDir,
    adminUser: ADMIN_USER,
    admin: app.get(AdminBootstrapService).takeOutcome(),
  });
  startLog.info(banner.fields, banner.message);
}

/**
 * STOCKROOM_WORKERS > 1: the first-start work that must happen once (data folder, embedded
 * PostgreSQL — above —, migrations, the encryption key file) is done here, before any worker
 * starts; then each worker's pool is sized so that all of them fit the database's max_connections.
 * The Admin user is made by the first worker to start (under its advisory lock, as between nodes)
 * and the primary prints the banner once all workers listen.
 */
async function startPrimary(config: AppConfig, databaseUrl: string, log: pino.Logger, logger: Logger): Promise<void> {
  await runMigrations(databaseUrl);
  StorageSecrets.load(config.encryptionKey, config.dataDir);
  const limits = await connectionLimits(databaseUrl);
  const sizing = poolSizing(limits.maxConnections, limits.reserved, config.workers);
  if (!sizing.fits) {
    logger.warn(
      `${config.workers} workers with a database pool of ${sizing.perWorker} each (and two listening connections) ` +
        `need more than the ${sizing.available} connections the database allows (max_connections ` +
        `${limits.maxConnections}): lower STOCKROOM_WORKERS or raise max_connections.`,
    );
  }
  runPrimary({ config, databaseUrl, poolMax: sizing.perWorker, embedded, log, logger });
}

/** One worker of several: the app on the shared port; the primary prints the start lines. */
async function startWorker(config: AppConfig, databaseUrl: string, logger: Logger): Promise<void> {
  installWorkerChannel();
  answerMetricsRequests();
  const app = await createApp(config, databaseUrl);
  stopOnSignals(app, config, logger);
  await app.listen(config.port, config.host);
  reportListening((app.getHttpServer() as Server).address(), app.get(AdminBootstrapService).takeOutcome());
}

/**
 * SIGTERM/SIGINT: `app.close()` runs the shutdown hooks of the services that own each part (the
 * HTTP drain in GracefulShutdown, download counts, leases, the database pool), then the embedded
 * PostgreSQL this process started stops, and the process exits 0. Nest's own enableShutdownHooks
 * would re-raise the signal after closing, so the exit status would say "killed" rather than 0.
 */
function stopOnSignals(app: INestApplication, config: AppConfig, logger: Logger): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: shutting down`);
    // A hook that hangs (a database that does not answer) must not keep the process alive.
    setTimeout(
      () => {
        logger.error(`Shutdown did not finish within ${config.shutdownSeconds + 15} s; exiting anyway`);
        process.exit(1);
      },
      (config.shutdownSeconds + 15) * 1000,
    ).unref();
    let code = 0;
    await app.close().catch((e: unknown) => {
      logger.error(`Shutdown: ${describe(e)}`);
      code = 1;
    });
    await embedded?.stop().catch((e: unknown) => logger.warn(`The embedded PostgreSQL did not stop: ${describe(e)}`));
    logger.log('Stopped');
    process.exit(code);
  };
  // embedded-postgres (through async-exit-hook) answers these signals by stopping its PostgreSQL and
  // exiting 143 at once, under the requests still in flight: here it is stopped after the drain.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void stop(signal));
  }
}

/** A message for anything thrown or rejected: libraries reject with strings, or with nothing. */
function describe(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (e === undefined || e === null || String(e).trim() === '') return 'an unknown error (no reason given)';
  return String(e).trim();
}

/**
 * Under load most of what a request allocates dies young, but whatever is in flight when the young
 * generation is scavenged gets promoted, and V8 lets the old generation grow to several times its
 * live size before it marks it again: 64 connections of 4 KiB GETs took a worker from 180 to 240–290 MB
 * and 1 MiB GETs to 320, all garbage. Letting the heap at most double its live size before the next
 * full GC keeps those peaks near 210 and 250 MB. Not less: at 1.5× a 1 GiB upload (whose in-flight
 * chunks get promoted too) ran 66 full GCs instead of 9, a quarter of its main thread, and slowed down.
 * V8 reads the flag whenever it sets the next limit, so setting it at start is enough (workers run this too).
 */
setFlagsFromString('--heap-growing-percent=100');

bootstrap().catch(async (e: unknown) => {
  console.error(`Stockroom failed to start: ${describe(e)}`);
  await embedded?.stop().catch(() => undefined);
  process.exit(1);
});
