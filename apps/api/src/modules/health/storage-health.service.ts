import { Inject, Injectable, Logger } from '@nestjs/common';
import type { HealthCheck } from '@stockroom/contracts';
import { isStorageError } from '@stockroom/storage';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { FeedsService } from '../feeds/feeds.service';
import { StorageDescriptor, StorageService } from '../storage/storage.service';

/** A load balancer may poll every second: the stores are asked at most once per this long. */
const CACHE_MS = 5000;
/** A store that has not answered by then counts as down (`timeout`). */
const CHECK_TIMEOUT_MS = 3000;
/** Listing the storages in use waits no longer than this (a database that does not answer at all). */
const LIST_TIMEOUT_MS = 1500;

class CheckTimeout extends Error {}

interface StorageInUse {
  kind: string;
  id: string;
  descriptor: StorageDescriptor;
  /** For the log: where it is, without credentials. */
  where: string;
}

/**
 * Whether each storage in use answers, for `GET /health`: the data folder's storage (every
 * directory without settings of its own, one check for all of them) and each distinct configured
 * store, both sides of a running move included. A disk path must be writable (a probe file is
 * written, read back and removed), an S3 bucket and an Azure container reachable (one cheap request).
 * Results are cached for a few seconds and concurrent polls share one round of checks. When the
 * database is down, the storages it listed last are checked.
 */
@Injectable()
export class StorageHealthService {
  private readonly logger = new Logger('Health');
  private known: StorageInUse[] = [];
  private cached?: { at: number; checks: HealthCheck[] };
  private running?: Promise<HealthCheck[]>;
  private readonly down = new Set<string>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly feeds: FeedsService,
    private readonly storage: StorageService,
  ) {}

  check(): Promise<HealthCheck[]> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return Promise.resolve(this.cached.checks);
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<HealthCheck[]> {
    try {
      this.known = this.inUse(await withTimeout(this.feeds.all(), LIST_TIMEOUT_MS));
    } catch {
      // The database is down (its own check says so): the storages seen last are checked.
      if (this.known.length === 0) this.known = this.inUse([]);
    }
    const checks = await Promise.all(this.known.map((s) => this.checkOne(s)));
    this.cached = { at: Date.now(), checks };
    return checks;
  }

  private inUse(
    feeds: { id: number; storage: Record<string, unknown> | null; storagePrevious?: StorageDescriptor | null }[],
  ) {
    const defaultStorage: StorageInUse = {
      kind: 'disk',
      id: 'default',
      descriptor: { id: 'disk', properties: { Path: join(this.config.dataDir, 'storage') } },
      where: join(this.config.dataDir, 'storage'),
    };
    const found = new Map<string, StorageInUse>([['default', defaultStorage]]);
    for (const feed of feeds) {
      const stored = feed.storage as StorageDescriptor | null;
      const current = this.storage.descriptorFor(feed);
      const isDefault = !stored || (stored.id === 'disk' && !stored.properties['Path']);
      for (const descriptor of [isDefault ? undefined : current, feed.storagePrevious ?? undefined]) {
        if (!descriptor) continue;
        const location = this.storage.location(descriptor);
        const id = createHash('sha256').update(location).digest('hex').slice(0, 12);
        if (found.has(id)) continue;
        // An Azure location may be a whole connection string: the log names the container only.
        const where =
          descriptor.id === 'azure' ? `container "${String(descriptor.properties['ContainerName'])}"` : location;
        found.set(id, { kind: descriptor.id, id, descriptor, where });
      }
    }
    return [...found.values()];
  }

  private async checkOne(s: StorageInUse): Promise<HealthCheck> {
    const name = `storage:${s.kind}:${s.id}`;
    try {
      await withTimeout(this.storage.providerForDescriptor(s.descriptor).checkHealth(), CHECK_TIMEOUT_MS);
      if (this.down.delete(name)) this.logger.log(`Health check ${name} (${s.where}) passes again`);
      return { name, kind: s.kind, id: s.id, status: 'up' };
    } catch (e) {
      const reason = isStorageError(e) ? e.code : e instanceof CheckTimeout ? 'timeout' : 'unknown';
      if (!this.down.has(name)) {
        this.down.add(name);
        this.logger.warn(`Health check ${name} (${s.where}) fails: ${(e as Error).message}`);
      }
      return { name, kind: s.kind, id: s.id, status: 'down', reason };
    }
  }
}

/** `work`, or a CheckTimeout after `ms`. */
async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CheckTimeout(`no answer within ${ms / 1000} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
