import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { APP_CONFIG, AppConfig } from '../../config/app-config';

const CUT = Symbol('stockroom.cutAtShutdown');

/** True when the server itself closed this connection at the shutdown deadline (not the client). */
export function cutAtShutdown(socket: Socket | null | undefined): boolean {
  return !!socket && (socket as Socket & { [CUT]?: boolean })[CUT] === true;
}

/**
 * The HTTP side of a shutdown (SIGTERM/SIGINT → app.close()): before any service stops, the server
 * stops accepting connections, lets the requests in flight finish for up to
 * STOCKROOM_SHUTDOWN_SECONDS, then cuts the connections still open. Only then do the services'
 * own `onApplicationShutdown` hooks run (download counts flushed, leases handed back, the pool
 * closed), so a request that finishes in time still has everything it needs.
 */
@Injectable()
export class GracefulShutdown implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private readonly inFlight = new Set<ServerResponse>();
  private closing = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.server();
    server?.on('request', (_req, res: ServerResponse) => {
      this.inFlight.add(res);
      // A request that comes in on a kept-alive connection during the drain closes it after.
      if (this.closing) res.shouldKeepAlive = false;
      res.once('close', () => {
        this.inFlight.delete(res);
        if (this.closing) server.closeIdleConnections();
      });
    });
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const server = this.server();
    if (!server?.listening) return;
    this.closing = true;
    const closed = new Promise<void>((done) => server.close(() => done()));
    // Answers still to be written say "Connection: close"; idle kept-alive connections end now.
    for (const res of this.inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
    server.closeIdleConnections();
    const deadlineMs = this.config.shutdownSeconds * 1000;
    if (this.inFlight.size > 0) {
      this.logger.log(
        `${signal ?? 'Shutdown'}: no new connections; waiting up to ${this.config.shutdownSeconds} s for ` +
          `${this.inFlight.size} request(s) in flight`,
      );
    }
    const drained = await this.drained(deadlineMs);
    if (!drained) {
      this.logger.warn(
        `${this.inFlight.size} request(s) still running after ${this.config.shutdownSeconds} s: closing their connections`,
      );
      for (const res of this.inFlight) if (res.socket) (res.socket as Socket & { [CUT]?: boolean })[CUT] = true;
      server.closeAllConnections();
    }
    await closed;
  }

  /** Resolves true once no request is in flight, false at the deadline. */
  private drained(deadlineMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = setInterval(() => {
        if (this.inFlight.size > 0) return;
        clearInterval(check);
        clearTimeout(timeout);
        resolve(true);
      }, 50);
      const timeout = setTimeout(() => {
        clearInterval(check);
        resolve(this.inFlight.size === 0);
      }, deadlineMs);
      if (this.inFlight.size === 0) {
        clearInterval(check);
        clearTimeout(timeout);
        resolve(true);
      }
    });
  }

  private server(): Server | undefined {
    return this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
  }
}
