import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import compression from 'compression';
import express from 'express';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { isConsolePath } from '@stockroom/contracts';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';
import { contentOriginGate } from './common/http/content-origin';
import { readJsonBody } from './common/http/read-body';
import { EdgeHandler, httpEdge } from './common/http/edge';
import { configureServerTimeouts, installConnectionCap } from './common/http/client-limits';
import { createDataSource } from './database/data-source';
import { buildOpenApiDocument } from './openapi/openapi-document';
import { OpenApiDocumentService } from './openapi/openapi-document.service';
import { HttpMetrics } from './modules/observability/http-metrics';
import { DownloadFastPath } from './modules/assets/download-fast-path';
import { ShareFastPath } from './modules/shares/share-fast-path';
import { rootLogger, StockroomLogger } from './common/logging/logger';
import { requestLogging } from './common/logging/request-logging';

/** Applies pending migrations once, under an advisory lock so several nodes can start together. */
export async function runMigrations(databaseUrl: string): Promise<void> {
  const dataSource = createDataSource(databaseUrl);
  await dataSource.initialize();
  try {
    await dataSource.query(`SELECT pg_advisory_lock(hashtext('stockroom:migrations'))`);
    try {
      await dataSource.runMigrations({ transaction: 'all' });
    } finally {
      await dataSource.query(`SELECT pg_advisory_unlock(hashtext('stockroom:migrations'))`);
    }
  } finally {
    await dataSource.destroy();
  }
}

/** Where the built console lives: as configured, or next to the built server (dist/apps/web/browser). */
function findConsole(configured: string | undefined): string | undefined {
  if (configured) return configured;
  const candidates = [
    join(__dirname, '..', 'web', 'browser'), // dist/apps/api → dist/apps/web
    join(__dirname, 'web', 'browser'), // the Docker image
    join(process.cwd(), 'dist', 'apps', 'web', 'browser'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

/**
 * Builds the whole server: used by main.ts and by the e2e tests, so both run the same app. Logs go
 * through pino as configured (STOCKROOM_LOG_*); `logging: false` silences them (in-process tests).
 */
export async function createApp(config: AppConfig, databaseUrl: string, logging?: false): Promise<INestApplication> {
  await runMigrations(databaseUrl);
  const pinoLogger = logging === false ? undefined : rootLogger(config);
  // No global body parser: asset bodies are raw streams and must reach the services unread.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, databaseUrl, pinoLogger), {
    bodyParser: false,
    ...(pinoLogger ? { bufferLogs: true } : { logger: false }),
  });
  if (pinoLogger) app.useLogger(app.get(StockroomLogger));
  const httpLogger = pinoLogger ? requestLogging(pinoLogger, config.log.requests) : undefined;
  // With STOCKROOM_LOG_REQUESTS, every request gets its logger and its line at the edge (below).
  // Without, only what Express answers needs `req.log` (nestjs-pino's lines carry its id): first of all.
  if (httpLogger && !config.log.requests) app.use(httpLogger);
  if (config.trustProxy) app.set('trust proxy', true);
  // GET /api/openapi.json: built from the controllers on first request.
  app.get(OpenApiDocumentService).useBuilder(() => buildOpenApiDocument(app, config.version));
  app.disable('x-powered-by');
  // The content host name (STOCKROOM_CONTENT_URL) answers signed download URLs only.
  const contentGate = contentOriginGate(config);
  if (contentGate) app.use(contentGate);
  // JSON bodies of the management API: our reader, so parse errors are ours too (a parser's message
  // would echo part of the body, password included, back to the caller).
  app.use('/api', (req: express.Request, res: express.Response, next: express.NextFunction) => {
    // Answers depend on who asks: never stored by a browser or a shared cache.
    res.setHeader('Cache-Control', 'no-store');
    readJsonBody(req).then((body) => {
      req.body = body;
      next();
    }, next);
  });
  const consoleDir = findConsole(config.consoleDir);
  if (consoleDir) {
    const serveConsole = express.static(consoleDir, {
      index: false,
      maxAge: '1h',
      // The build names scripts and styles by their content hash: a name never changes content.
      setHeaders: (res, path) => {
        if (/-[A-Z0-9]{8}\.(js|css)$/.test(path)) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      },
    });
    // Console assets only (gzip, as the browser asks): asset downloads keep their exact bytes and ranges.
    const compress = compression();
    app.use((req: express.Request, res: express.Response, next: express.NextFunction) => {
      // API requests never touch the file system for console assets.
      if (/^\/(api|endpoints|health|metrics)(\/|$)/.test(req.path)) {
        next();
        return;
      }
      compress(req, res, () =>
        serveConsole(req, res, (err?: unknown) => {
          if (err) {
            next(err);
            return;
          }
          // Not an asset: the console's own routes (deep links) get index.html; any other path (a
          // later protocol's /dav, /s, /metrics, or a typo) goes on to the API's 404.
          if ((req.method === 'GET' || req.method === 'HEAD') && isConsolePath(req.path) && req.accepts('html')) {
            res.sendFile(join(consoleDir, 'index.html'));
            return;
          }
          next();
        }),
      );
    });
  }
  await app.init();
  const server = app.getHttpServer() as Server;
  const clientLimits = { ...config.clients, trustProxy: config.trustProxy };
  // Every request passes the edge first (its line under STOCKROOM_LOG_REQUESTS, metrics, client
  // limits, common headers); then downloads take the fast path, the rest Express.
  // (Express's listener is replaced; others — the shutdown's count of requests in flight — stay.)
  const expressApp = app.getHttpAdapter().getInstance() as EdgeHandler;
  server.removeListener('request', expressApp);
  server.prependListener(
    'request',
    httpEdge(
      {
        requestLogging: config.log.requests ? httpLogger : undefined,
        metrics: app.get(HttpMetrics),
        limits: clientLimits,
        version: config.version,
        contentOrigin: config.contentUrl,
      },
      app.get(ShareFastPath).wrap(app.get(DownloadFastPath).wrap(expressApp)),
    ),
  );
  // Large uploads take longer than Node's default 5-minute request timeout: no overall timeout,
  // a body idle timeout instead (clientLimitsMiddleware), and a cap on connections per address.
  configureServerTimeouts(server);
  installConnectionCap(server, clientLimits);
  return app;
}
