import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request that went through the proxy. */
export interface ProxiedRequest {
  method: string;
  /** The path and query as sent. */
  url: string;
  /** Request body bytes (what a client sent to the target). */
  sent: number;
}

/**
 * An HTTP proxy in front of a real server (a replication remote) that records every request and
 * its body size, and can hold requests matching a predicate until released: a remote that stalls
 * on one file, which a real server cannot be made to do on cue.
 */
export class CountingProxy {
  readonly requests: ProxiedRequest[] = [];
  private server?: Server;
  private hold?: (method: string, url: string) => boolean;
  private held: (() => void)[] = [];
  port = 0;

  constructor(private readonly target: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.forward(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Requests (method and path) matching `pattern`, e.g. `GET /endpoints/x/content/`. */
  count(method: string, pathPrefix: string): number {
    return this.requests.filter((r) => r.method === method && r.url.startsWith(pathPrefix)).length;
  }

  /** Body bytes sent through the proxy by requests matching. */
  bytesSent(method: string, pathPrefix: string): number {
    return this.requests
      .filter((r) => r.method === method && r.url.startsWith(pathPrefix))
      .reduce((sum, r) => sum + r.sent, 0);
  }

  reset(): void {
    this.requests.length = 0;
  }

  /** Holds requests matching until {@link release}. */
  holdWhen(predicate: (method: string, url: string) => boolean): void {
    this.hold = predicate;
  }

  release(): void {
    this.hold = undefined;
    for (const go of this.held.splice(0)) go();
  }

  async stop(): Promise<void> {
    this.release();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const entry: ProxiedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', sent: 0 };
    this.requests.push(entry);
    req.on('data', (c: Buffer) => (entry.sent += c.length));
    const go = () => {
      const target = new URL(this.target);
      const upstream = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      req.pipe(upstream);
    };
    if (this.hold?.(entry.method, entry.url)) {
      req.pause();
      // The client may have gone meanwhile (its node killed): then there is no one to answer.
      let gone = false;
      res.on('close', () => (gone = true));
      this.held.push(() => {
        req.resume();
        if (!gone) go();
      });
    } else go();
  }
}
