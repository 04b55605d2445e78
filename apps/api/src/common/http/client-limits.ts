import { Logger } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { requestAddress } from './client-address';

export interface ClientLimits {
  /** A request body that sends nothing for this long is aborted (connection destroyed); 0 = never. */
  bodyIdleSeconds: number;
  /** Connections (or, behind a trusted proxy, requests in flight) per client address; 0 = no cap. */
  maxConnectionsPerAddress: number;
  /** Behind a trusted proxy: the address behind it (X-Forwarded-For, Express's `req.ip`) is counted. */
  trustProxy: boolean;
}

const logger = new Logger('Clients');

function plain(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:/, '');
}

/**
 * A connection is from this machine, and exempt from the per-address cap, when it comes from the
 * very address it reached (127.0.0.1 → 127.0.0.1, the host's own IP → itself): a local reverse
 * proxy, a health check, the operator's curl. Other loopback addresses (127.0.0.2 → 127.0.0.1) are
 * counted like any peer, which is also what lets the tests exercise the cap on one machine.
 */
function isSelf(socket: Socket): boolean {
  const peer = plain(socket.remoteAddress);
  return peer !== '' && peer === plain(socket.localAddress);
}

const REFUSAL =
  'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 5\r\n' +
  'Content-Type: text/plain; charset=utf-8\r\nContent-Length: 50\r\n\r\n' +
  'Too many connections from your address; try later.';

/**
 * Caps open connections per peer address, counted when a socket opens: over the cap, the socket
 * is answered 503 (Connection: close) and closed without its request being parsed.
 * Off behind a trusted proxy (every request then arrives through the proxy's few connections):
 * {@link clientLimiter} counts requests in flight per forwarded address instead.
 */
export function installConnectionCap(server: Server, limits: ClientLimits): void {
  const max = limits.maxConnectionsPerAddress;
  if (max <= 0 || limits.trustProxy) return;
  const open = new Map<string, number>();
  let lastWarning = 0;
  // Node's own connection listener attaches the HTTP parser, which reads straight from the socket's
  // handle: a refused connection must never reach it, so it runs only for admitted ones.
  const httpListeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const peer = plain(socket.remoteAddress);
    const exempt = isSelf(socket);
    const count = open.get(peer) ?? 0;
    if (!exempt && count >= max) {
      refuse(socket);
      if (Date.now() - lastWarning > 60_000) {
        lastWarning = Date.now();
        logger.warn(`${peer} has ${count} open connections (STOCKROOM_MAX_CONNECTIONS_PER_ADDRESS); refusing more`);
      }
      return;
    }
    if (!exempt) {
      open.set(peer, count + 1);
      socket.once('close', () => {
        const left = (open.get(peer) ?? 1) - 1;
        if (left <= 0) open.delete(peer);
        else open.set(peer, left);
      });
    }
    for (const listener of httpListeners) listener.call(server, socket);
  });
}

/**
 * Answers 503 and closes. What the client already sent is read and dropped for a moment (at most
 * a second): closing a socket with unread bytes makes the kernel send a reset, and the client
 * would lose the answer.
 */
function refuse(socket: Socket): void {
  const linger = setTimeout(() => socket.destroy(), 1000);
  socket.once('close', () => clearTimeout(linger));
  socket.on('error', () => socket.destroy());
  socket.once('end', () => socket.destroy());
  socket.end(REFUSAL);
  socket.resume();
}

/**
 * Server-wide timeouts. Uploads may take hours, so there is no overall request timeout; a body
 * that stops arriving is what {@link clientLimiter} ends. Headers must arrive within
 * 60 s (Node checks this on every connection, including one that never sends a byte).
 */
export function configureServerTimeouts(server: Server): void {
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
}

/**
 * The HTTP edge's guard against slow and abusive clients, run on every request before anything
 * else can answer (see http/edge.ts). Returns false when it answered the request itself.
 *
 * - **Early answers close the connection.** When a response's headers are written while its
 *   request body has not fully arrived (a 401 before an upload's body, a 413, any error), the
 *   answer says `Connection: close` and the socket ends once it is written. Node would otherwise
 *   read and discard the whole remaining body to keep the connection alive — 100 MB at whatever
 *   pace the client chooses. Requests whose body was read (every normal upload) keep keep-alive.
 * - **Body idle timeout.** While a body is arriving, a socket silent for `bodyIdleSeconds` is
 *   destroyed: the request's stream fails as for a client abort, and the upload cleans up.
 * - **Behind a trusted proxy**, requests in flight per forwarded address are capped.
 */
export function clientLimiter(limits: ClientLimits) {
  const inFlight = new Map<string, number>();
  const idleMs = limits.bodyIdleSeconds * 1000;

  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (!req.complete) {
      closeAfterEarlyAnswer(req, res);
      if (idleMs > 0) watchBodyIdle(req, idleMs);
    }

    if (limits.trustProxy && limits.maxConnectionsPerAddress > 0) {
      const address = requestAddress(req, true);
      const direct = address === plain(req.socket.remoteAddress);
      if (!(direct && isSelf(req.socket))) {
        const count = inFlight.get(address) ?? 0;
        if (count >= limits.maxConnectionsPerAddress) {
          const text = 'Too many requests in flight from your address; try later.';
          res.writeHead(503, {
            'Retry-After': '5',
            'Content-Type': 'text/plain; charset=utf-8',
            'Content-Length': Buffer.byteLength(text),
          });
          res.end(text);
          return false;
        }
        inFlight.set(address, count + 1);
        res.once('close', () => {
          const left = (inFlight.get(address) ?? 1) - 1;
          if (left <= 0) inFlight.delete(address);
          else inFlight.set(address, left);
        });
      }
    }
    return true;
  };
}

function closeAfterEarlyAnswer(req: IncomingMessage, res: ServerResponse): void {
  const writeHead = res.writeHead;
  // Every way of answering (send, json, end, pipe) goes through writeHead, explicitly or implicitly.
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    if (!req.complete && !this.headersSent) {
      // Node ends the socket after a response marked `Connection: close` (and never drains the body).
      this.setHeader('Connection', 'close');
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as typeof res.writeHead;
}

function watchBodyIdle(req: IncomingMessage, idleMs: number): void {
  const socket = req.socket;
  const onIdle = () => {
    logger.warn(
      `${req.method} ${req.url?.split('?')[0]} from ${plain(socket.remoteAddress)}: no body bytes for ${idleMs / 1000} s; connection closed`,
    );
    socket.destroy();
  };
  socket.setTimeout(idleMs, onIdle);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    socket.removeListener('timeout', onIdle);
    // Node sets the keep-alive timeout itself once the response is written.
    if (!socket.destroyed) socket.setTimeout(0);
  };
  req.once('end', stop);
  req.once('close', stop);
}

/**
 * The request body as a stream a service may consume and, on failure, destroy (as `pipeline`
 * does) without destroying the request itself. Destroying an unfinished request destroys its
 * socket (Node), so a storage failure mid-body (disk full, a store that refused the body) would
 * reach the client as a reset instead of its answer; with this, the edge still answers, with
 * `Connection: close` (the rest of the body is never read). A client abort still fails the stream.
 */
export function requestBody(req: IncomingMessage): Readable {
  const body = new PassThrough();
  const onError = (e: Error) => body.destroy(e);
  req.on('error', onError);
  req.pipe(body);
  body.once('close', () => {
    req.removeListener('error', onError);
    if (!req.readableEnded) {
      req.unpipe(body);
      req.pause();
    }
  });
  return body;
}

/** The body's declared `Content-Length`, when it is a whole number; undefined when absent or malformed. */
export function declaredLength(req: IncomingMessage): number | undefined {
  const raw = req.headers['content-length'];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
