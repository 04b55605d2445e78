import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { DATABASE_URL } from '../../database/coherent-cache.service';
import { CHANGE_EVENTS_CHANNEL } from './change-events.repository';

const RECONNECT_MS = 5_000;

/**
 * Wakes this node's dispatchers when another transaction (of any node) committed events: one
 * LISTEN connection, opened by the first subscriber. Only a hint: dispatchers poll too, so a lost
 * connection delays deliveries a little and loses nothing.
 */
@Injectable()
export class ChangeEventsListener implements OnApplicationShutdown {
  private readonly logger = new Logger(ChangeEventsListener.name);
  private readonly subscribers = new Set<() => void>();
  private client?: pg.Client;
  private reconnectTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(@Inject(DATABASE_URL) private readonly databaseUrl: string) {}

  /** Calls `wake` after each commit that published events. */
  subscribe(wake: () => void): void {
    this.subscribers.add(wake);
    if (!this.client && !this.reconnectTimer) void this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 5000 });
    this.client = client;
    client.on('notification', () => {
      for (const wake of this.subscribers) wake();
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_EVENTS_CHANNEL}`);
    } catch {
      this.lost(client);
      return;
    }
    if (this.stopped) await client.end().catch(() => undefined);
    else for (const wake of this.subscribers) wake(); // what was published while not listening
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    if (this.stopped || this.reconnectTimer) return;
    this.logger.warn('Lost the change-event notifications: webhooks fall back to polling until they are back.');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, RECONNECT_MS);
    this.reconnectTimer.unref();
  }
}
