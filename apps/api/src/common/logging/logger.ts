import { Inject, Injectable } from '@nestjs/common';
import { Logger as NestPinoLogger, Params, PARAMS_PROVIDER_TOKEN, PinoLogger } from 'nestjs-pino';
import { writeSync } from 'node:fs';
import pino from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { AppConfig } from '../../config/app-config';

/**
 * Credentials never reach a log line. Request lines carry only method and path (see
 * request-logging.ts), so headers are not logged at all; these paths are the second fence for any
 * object a future log call passes in.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-apikey"]',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-apikey"]',
  'headers.cookie',
  'password',
  '*.password',
];

/**
 * Nest's own start-up chatter ("Mapped {/api/…, GET} route" for every route, "… dependencies
 * initialized", "successfully started") is logged at debug, not info: at the default level a start
 * prints what a user needs, and the banner stays the last thing on the screen.
 */
const FRAMEWORK_CONTEXTS = new Set([
  'RoutesResolver',
  'RouterExplorer',
  'InstanceLoader',
  'NestFactory',
  'NestApplication',
]);

/**
 * The text format: pino-pretty, one line per entry (`[time] LEVEL: [context] message {extra fields}`;
 * an error's stack below it). Request lines (request-logging.ts) say it all in their message, so their
 * fields are not repeated.
 */
const prettify = prettyFactory({
  colorize: false,
  translateTime: "UTC:yyyy-mm-dd'T'HH:MM:ss.l'Z'",
  ignore: 'pid,hostname,context,reqId,req,res,responseTime,method,path,status,bytes',
  singleLine: true,
  messageFormat: '{if context}[{context}] {end}{msg}',
});

let processLogger: pino.Logger | undefined;

/**
 * The server's one pino logger, made from the config on first use (main.ts before Nest starts, then
 * createApp): nestjs-pino keeps its root logger per process too.
 */
export function rootLogger(config: AppConfig, write?: (line: string) => void): pino.Logger {
  processLogger ??= createLogger(config, write);
  return processLogger;
}

/**
 * A pino logger for the config: JSON lines as pino writes them, or (text, the default) each JSON
 * line turned into one readable line by {@link textLine} (pino-pretty). Writes are synchronous so that the last
 * lines before an exit are not lost; `write` replaces standard output (tests).
 */
export function createLogger(config: Pick<AppConfig, 'log'>, write?: (line: string) => void): pino.Logger {
  const out = write ?? ((line: string) => writeSync(1, line));
  const json = config.log.format === 'json';
  const destination: pino.DestinationStream = {
    write: json ? out : (line: string) => out(textLine(line)),
  };
  return pino(
    {
      level: config.log.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

/** One JSON log line (as pino writes it) as a readable line; the start banner framed so that it stands out. */
export function textLine(jsonLine: string): string {
  const entry = parse(jsonLine);
  if (entry?.['event'] === 'ready' && typeof entry['msg'] === 'string') return boxed(entry['msg'].split('\n'));
  return prettify(jsonLine);
}

function parse(jsonLine: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Lines framed by rules of `=`, so that they stand out of the log around them. */
function boxed(lines: string[]): string {
  const rule = '='.repeat(Math.min(80, Math.max(60, ...lines.map((l) => l.length + 4))));
  return `\n${rule}\n${lines.map((l) => (l ? `  ${l}` : '')).join('\n')}\n${rule}\n\n`;
}

/**
 * nestjs-pino's Nest logger (every `new Logger(context)` of the code goes through it once
 * `app.useLogger` is called), with the framework's start-up chatter moved down to debug.
 */
@Injectable()
export class StockroomLogger extends NestPinoLogger {
  constructor(logger: PinoLogger, @Inject(PARAMS_PROVIDER_TOKEN) params: Params) {
    super(logger, params);
  }

  override log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams[optionalParams.length - 1];
    if (typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) {
      super.debug(message, ...optionalParams);
      return;
    }
    super.log(message, ...optionalParams);
  }
}

/** The same logger before Nest exists (main.ts: data dir checks, the embedded PostgreSQL). */
export function standaloneNestLogger(logger: pino.Logger): StockroomLogger {
  return new StockroomLogger(new PinoLogger({ pinoHttp: { logger } }), {});
}
