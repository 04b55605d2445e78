import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Histogram, Registry } from 'prom-client';
import { ENDPOINT_OPERATIONS } from '../assets/endpoints.controller';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** The hand-written router of the asset API: one Express route for every operation. */
export const ENDPOINTS_ROUTE = '/endpoints/*rest';
/** Top-level paths of the server itself; anything else is the console (its pages and assets). */
const SERVER_PATHS = /^\/(api|endpoints|health|metrics|dav|s)(\/|$)/;

/** What a request is counted under: bounded label values, never a raw path or a file name. */
export interface RouteLabels {
  method: string;
  /** The route template (`/api/security/users/:name`, `/endpoints/:feed/content/*`, …). */
  route: string;
  /** For the asset API, what the request does: content (download), upload, multipart, dir, …; else ''. */
  operation: string;
}

interface RoutedRequest {
  method?: string;
  /** Express's; a request that never reached Express has only `url` (the same, unrewritten). */
  originalUrl?: string;
  url?: string;
  route?: { path?: unknown };
}

/** Requests answered outside Express (the download fast path), with the route Express would have matched. */
const routedOutsideExpress = new WeakMap<object, string>();

/** Counts `req` under `route`, the template of the Express route that would have answered it. */
export function answeredAs(req: IncomingMessage, route: string): void {
  routedOutsideExpress.set(req, route);
}

/**
 * The labels of a finished request. `req.route` is the route Express matched (it stays set after the
 * handler); no route means a console page or asset (`console`) or a path nothing answers (`unmatched`).
 */
export function routeLabels(req: RoutedRequest, status: number): RouteLabels {
  const upper = (req.method ?? '').toUpperCase();
  const method = METHODS.has(upper) ? upper : 'OTHER';
  const url = req.originalUrl ?? req.url ?? '';
  const q = url.indexOf('?');
  const pathname = q < 0 ? url : url.slice(0, q);
  const template = typeof req.route?.path === 'string' ? req.route.path : routedOutsideExpress.get(req);
  if (template === undefined) {
    const console = !SERVER_PATHS.test(pathname) && status < 400;
    return { method, route: console ? 'console' : 'unmatched', operation: '' };
  }
  if (template !== ENDPOINTS_ROUTE) return { method, route: template, operation: '' };
  // `/endpoints/{directory}/{operation}/{path}`, as EndpointsController reads it.
  const op = (pathname.split('/')[3] ?? '').toLowerCase();
  if (!(ENDPOINT_OPERATIONS as readonly string[]).includes(op)) {
    return { method, route: '/endpoints/:feed/*', operation: 'unknown' };
  }
  let operation = op;
  if (op === 'content') {
    if (new URLSearchParams(q < 0 ? '' : url.slice(q + 1)).get('multipart')) operation = 'multipart';
    else if (method === 'POST' || method === 'PUT' || method === 'PATCH') operation = 'upload';
    else if (method === 'DELETE') operation = 'delete';
  }
  return { method, route: `/endpoints/:feed/${op}/*`, operation };
}

export interface FinishedRequest extends RouteLabels {
  /** HTTP status, or 499 when the client left before an answer was sent (nginx's convention). */
  status: number;
  seconds: number;
  receivedBytes: number;
  sentBytes: number;
}

/** Requests by route and status, their durations, and the body bytes in and out. */
@Injectable()
export class HttpMetrics {
  private readonly requests: Counter<'method' | 'route' | 'operation' | 'status_code'>;
  private readonly duration: Histogram<'method' | 'route' | 'operation'>;
  private readonly received: Counter<'method' | 'route' | 'operation'>;
  private readonly sent: Counter<'method' | 'route' | 'operation'>;

  constructor(registry: Registry) {
    const labelNames = ['method', 'route', 'operation'] as const;
    this.requests = new Counter({
      name: 'stockroom_http_requests_total',
      help: 'HTTP requests answered, by route template, asset-API operation and status code',
      labelNames: [...labelNames, 'status_code'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'stockroom_http_request_duration_seconds',
      help: 'Time from a request arriving to its answer being written (or the client leaving)',
      labelNames,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    });
    this.received = new Counter({
      name: 'stockroom_http_request_body_bytes_total',
      help: 'Request body bytes received (bytes in)',
      labelNames,
      registers: [registry],
    });
    this.sent = new Counter({
      name: 'stockroom_http_response_body_bytes_total',
      help: 'Response body bytes sent (bytes out; after compression)',
      labelNames,
      registers: [registry],
    });
  }

  record(r: FinishedRequest): void {
    const labels = { method: r.method, route: r.route, operation: r.operation };
    this.requests.inc({ ...labels, status_code: String(r.status) });
    this.duration.observe(labels, r.seconds);
    if (r.receivedBytes > 0) this.received.inc(labels, r.receivedBytes);
    if (r.sentBytes > 0) this.sent.inc(labels, r.sentBytes);
  }
}

function byteLength(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string')
    return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}

/**
 * At the HTTP edge, before anything can answer: times every request and counts its body bytes both ways, then records it
 * once its answer is written or the client has gone. Bytes in are counted as Node hands the body to
 * the request stream (whoever reads it, however: uploads, JSON, imports); a body the server never
 * reads is not counted. Bytes out are counted as written to the response (gzip applied).
 */
export function trackHttpRequest(metrics: HttpMetrics, req: IncomingMessage, res: ServerResponse): void {
  const started = process.hrtime.bigint();
  let receivedBytes = 0;
  let sentBytes = 0;

  // Node's HTTP parser pushes each body chunk into the request: counting there never changes how
  // (or whether) the body flows, unlike a 'data' listener.
  const push = req.push;
  req.push = function (this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding) {
    receivedBytes += byteLength(chunk, encoding);
    return push.call(this, chunk, encoding);
  };
  if (req.method !== 'HEAD') {
    const write = res.write;
    const end = res.end;
    res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      sentBytes += byteLength(chunk, rest[0]);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof res.write;
    res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      sentBytes += byteLength(chunk, rest[0]);
      return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    } as typeof res.end;
  }

  let recorded = false;
  const finished = () => {
    if (recorded) return;
    recorded = true;
    const status = res.headersSent ? res.statusCode : 499;
    metrics.record({
      ...routeLabels(req, status),
      status,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      receivedBytes,
      sentBytes,
    });
  };
  res.once('finish', finished);
  res.once('close', finished);
}
