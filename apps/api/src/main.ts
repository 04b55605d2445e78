import { Logger } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from './config/app-config';
import { secureDataDir } from './config/data-dir';
import { createApp } from './create-app';
import { EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres';

let embedded: EmbeddedDatabase | undefined;

async function bootstrap(): Promise<void> {
  const logger = new Logger('Stockroom');
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }

  await secureDataDir(config.dataDir, !config.databaseUrl, logger);
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(config.dataDir, logger);
    databaseUrl = embedded.url;
    logger.log(`Using the embedded PostgreSQL under ${config.dataDir} (set DATABASE_URL to use your own server)`);
  }

  const app = await createApp(config, databaseUrl);
  const stop = async (signal: string) => {
    logger.log(`${signal}: shutting down`);
    await app.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  await app.listen(config.port, config.host);
  // The port it really got: PORT=0 asks the system for a free one (tests and scripts do).
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const listening = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  logger.log(`Stockroom listening on ${listening}`);
  const url = config.baseUrl ?? listening;
  logger.log(`Stockroom ${config.version} is running at ${url}`);
  logger.log(`Data directory: ${config.dataDir}`);
  logger.log(
    `Asset API: ${url}/endpoints/{directory}/… — create a directory with POST ${url}/api/management/feeds/create`,
  );
  logger.log(
    `Console: ${url}/ — sign in as "Admin" (its password was printed once, at first start, or is the ` +
      'STOCKROOM_ADMIN_PASSWORD you set then). Scripts: curl -u Admin:<password> or an API key (X-ApiKey).',
  );
}

/** A message for anything thrown or rejected: libraries reject with strings, or with nothing. */
function describe(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (e === undefined || e === null || String(e).trim() === '') return 'an unknown error (no reason given)';
  return String(e).trim();
}

bootstrap().catch(async (e: unknown) => {
  console.error(`Stockroom failed to start: ${describe(e)}`);
  await embedded?.stop().catch(() => undefined);
  process.exit(1);
});
