import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { OutboundHttp } from '../../common/net/outbound-http';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { ReplicationRepository } from './replication.repository';

/**
 * Who this installation is (a UUID every node of the database shares), and whether a job's remote
 * directory is this very directory: replication between a directory and itself is refused.
 */
@Injectable()
export class ReplicationIdentity {
  private ownId?: Promise<string>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: ReplicationRepository,
    private readonly http: OutboundHttp,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** This installation's identity (every node's), for `GET /api/replication/identity`. */
  serverId(): Promise<string> {
    this.ownId ??= this.repository.serverId();
    this.ownId.catch(() => (this.ownId = undefined));
    return this.ownId;
  }

  /**
   * Whether the remote directory is this very directory: the same name (case-insensitively) on this
   * same server. The remote is asked who it is (`GET /api/replication/identity`, the installation's
   * UUID every node shares), which holds whatever address, proxy or node reaches it; a remote that
   * does not answer (down, ProGet) is compared with STOCKROOM_BASE_URL and this server's own
   * listening addresses.
   */
  async isSelf(remoteUrl: string, remoteFeed: string, feedName: string): Promise<boolean> {
    if (remoteFeed.toLowerCase() !== feedName.toLowerCase()) return false;
    const own = await this.serverId();
    try {
      const res = await this.http.request({
        method: 'GET',
        url: `${remoteUrl}/api/replication/identity`,
        timeoutMs: 10_000,
      });
      const chunks: Buffer[] = [];
      for await (const chunk of res.body) if (chunks.length < 16) chunks.push(chunk as Buffer);
      if (res.status === 200) {
        const server = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { server?: unknown }).server;
        if (typeof server === 'string') return server === own;
      }
    } catch {
      // Unreachable or not a Stockroom: the addresses decide.
    }
    return this.pointsHere(new URL(remoteUrl));
  }

  private pointsHere(url: URL): boolean {
    const base = this.config.baseUrl;
    if (base) {
      const b = new URL(base);
      if (b.origin === url.origin && url.pathname.replace(/\/+$/, '') === b.pathname.replace(/\/+$/, '')) return true;
    }
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const address = this.adapterHost.httpAdapter?.getHttpServer()?.address() as AddressInfo | null | undefined;
    const ports = new Set([this.config.port, address?.port].filter((p): p is number => !!p));
    if (!ports.has(port)) return false;
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (host === 'localhost' || host === this.config.host.toLowerCase()) return true;
    if (isIP(host) === 0) return false;
    if (host.startsWith('127.') || host === '::1' || host === '0.0.0.0' || host === '::') return true;
    return Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address.toLowerCase() === host));
  }
}
