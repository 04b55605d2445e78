import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import {
  AzureBlobStorageProvider,
  ByteRange,
  DiskStorageProvider,
  isStorageError,
  S3StorageProvider,
  StorageErrorCode,
  StorageProvider,
} from '@stockroom/storage';
import { join } from 'node:path';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { Tx, UnitOfWork } from '../../database/unit-of-work';
import { badRequest } from '../../common/errors/app-error';
import { isOutboundDenied, OutboundPolicy } from '../../common/net/outbound-policy';
import { mapSecrets, storageLocation } from './storage-settings';
import { StorageSecrets } from './storage-secrets';
import { BlobDeletionRow, BlobDeletionsRepository } from './blob-deletions.repository';
import { StorageMetrics } from '../observability/storage-metrics';
import { instrumented } from './instrumented-provider';
import type { StorageSettings, StorageTestResult } from '@stockroom/contracts';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';

/**
 * A directory's storage settings as stored: secrets encrypted (see StorageSecrets), and who saved
 * them: an administrator's settings may use the server's own credentials and any address; a
 * directory manager reusing their saved secrets must keep their connection (see StorageSettingsService).
 * Absent on settings saved before this was recorded: treated as an administrator's.
 */
export type StorageDescriptor = StorageSettings & { savedBy?: 'administrator' | 'manager' };

/** A storage test's step, and the message a non-administrator sees when it fails. */
type TestStep = StorageTestResult['steps'][number]['step'];
const STEP_VERBS: Record<TestStep, string> = {
  connect: 'connect to the storage',
  write: 'write a probe object',
  read: 'read the probe object back',
  delete: 'delete the probe object',
};

/** A failure of the probe itself (no network detail in it): shown to everyone. */
class ProbeError extends Error {}

export interface FeedLike {
  id: number;
  storage: StorageDescriptor | Record<string, unknown> | null;
  storagePrevious?: StorageDescriptor | null;
}

/** A directory's storage as its row says inside a transaction (see FeedsService.lockStorage). */
export interface LockedStorage {
  current: StorageDescriptor;
  /** Set while a move runs: where files not yet copied still are. */
  previous: StorageDescriptor | null;
}

const SWEEP_INTERVAL_MS = 60_000;

/**
 * The directories (with their storage) whose files still name each of the given blob keys; keys no
 * file names are absent. Provided by the feeds module (see {@link StorageService.useBlobHolders}).
 */
export type BlobHolders = (keys: string[]) => Promise<Map<string, FeedLike[]>>;

/**
 * Resolves each directory's storage provider and reclaims the blobs of deleted/overwritten files
 * through the `blob_deletions` queue (written in the same transaction as the delete).
 */
@Injectable()
export class StorageService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(StorageService.name);
  private readonly providers = new Map<string, StorageProvider>();
  private readonly providersByObject = new WeakMap<StorageDescriptor, StorageProvider>();
  /** Each directory's default settings (on the data dir's disk), one object per directory. */
  private readonly defaultDescriptors = new Map<number, StorageDescriptor>();
  private readonly secrets: StorageSecrets;
  /** STOCKROOM_OUTBOUND_ALLOW, enforced on every connection a cloud storage opens. */
  readonly outbound: OutboundPolicy;
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private sweepAgain = false;
  private blobHolders?: BlobHolders;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly unitOfWork: UnitOfWork,
    private readonly deletions: BlobDeletionsRepository,
    private readonly metrics: StorageMetrics,
  ) {
    this.secrets = StorageSecrets.load(config.encryptionKey, config.dataDir);
    this.outbound = OutboundPolicy.parse(config.outboundAllow);
  }

  onModuleInit(): void {
    this.timer = setInterval(() => this.sweepSoon(), SWEEP_INTERVAL_MS);
    this.timer.unref();
    this.sweepSoon();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  descriptorFor(feed: FeedLike): StorageDescriptor {
    const stored = feed.storage as StorageDescriptor | null;
    if (stored && (stored.id !== 'disk' || stored.properties['Path'])) return stored;
    let byDefault = this.defaultDescriptors.get(feed.id);
    if (!byDefault) {
      byDefault = { id: 'disk', properties: { Path: this.defaultDiskPath(feed.id) } };
      this.defaultDescriptors.set(feed.id, byDefault);
    }
    return byDefault;
  }

  defaultDiskPath(feedId: number): string {
    return join(this.config.dataDir, 'storage', `feed-${feedId}`);
  }

  /** Settings as they are kept in the database: secrets encrypted. */
  sealed(settings: StorageSettings): StorageDescriptor {
    return mapSecrets(settings, (value) => (StorageSecrets.isEncrypted(value) ? value : this.secrets.encrypt(value)));
  }

  /** Settings with secrets in clear, for building a provider (never stored, never returned). */
  unsealed(descriptor: StorageDescriptor): StorageSettings {
    return mapSecrets(descriptor, (value) => this.secrets.decrypt(value));
  }

  providerFor(feed: FeedLike): StorageProvider {
    return this.providerForDescriptor(this.descriptorFor(feed));
  }

  /** Whether two settings (as stored) hold the same blobs. */
  sameLocation(a: StorageDescriptor, b: StorageDescriptor): boolean {
    return JSON.stringify(a) === JSON.stringify(b) || this.location(a) === this.location(b);
  }

  /** Where settings (as stored) keep their blobs; see {@link storageLocation}. */
  location(descriptor: StorageDescriptor): string {
    return storageLocation(this.unsealed(descriptor));
  }

  /**
   * Opens a file's blob. While the directory's files move to another storage, a blob not copied
   * yet is read where it was.
   */
  async read(feed: FeedLike, key: string, range?: ByteRange) {
    try {
      return await this.providerFor(feed).read(key, range);
    } catch (e) {
      // Not copied yet, or the new storage is failing (the move then fails and waits for a retry).
      if (!feed.storagePrevious) throw e;
      return this.providerForDescriptor(feed.storagePrevious)
        .read(key, range)
        .catch(() => Promise.reject(e));
    }
  }

  /** Downloads answer with a presigned URL (not while a move runs: the blob may not be there yet). */
  redirectsDownloads(feed: FeedLike): boolean {
    return this.descriptorFor(feed).properties['RedirectDownloads'] === true && !feed.storagePrevious;
  }

  providerForDescriptor(descriptor: StorageDescriptor): StorageProvider {
    // Downloads ask with the same settings object again and again (the cached directory's): known
    // objects skip serialising them.
    const known = this.providersByObject.get(descriptor);
    if (known) return known;
    const cacheKey = JSON.stringify(descriptor);
    let provider = this.providers.get(cacheKey);
    if (!provider) {
      // Failures of the stores in use are counted (GET /metrics); a storage test's probe is not one.
      provider = instrumented(createProvider(this.unsealed(descriptor), this.outbound), this.metrics);
      this.providers.set(cacheKey, provider);
    }
    this.providersByObject.set(descriptor, provider);
    return provider;
  }

  /**
   * Checks ahead of time that every address the settings (secrets in clear) make the server
   * contact is allowed by STOCKROOM_OUTBOUND_ALLOW; throws OutboundDeniedError. Connections are
   * checked again when they are opened.
   */
  async checkOutbound(settings: StorageSettings): Promise<void> {
    if (!this.outbound.restricted || settings.id === 'disk') return;
    const provider = createProvider(settings, OutboundPolicy.unrestricted);
    try {
      // The SDK refuses some settings while resolving the address (a bucket name with "/" …).
      const urls = await (provider.endpoints?.() ?? Promise.resolve([])).catch((e: Error) => {
        throw badRequest(`These ${settings.id} settings cannot be used: ${e.message}`);
      });
      for (const url of urls) await this.outbound.check(url);
    } finally {
      destroyProvider(provider);
    }
  }

  /**
   * Writes, reads back and deletes a probe object with `settings` (secrets in clear), saying
   * which step failed. Stops at the first failure. `detailed` (administrators): the storage's own
   * reason, host and port included; otherwise only the step and a kind of failure, so that a
   * test never tells a non-administrator what answers at an address.
   */
  async test(settings: StorageSettings, detailed: boolean): Promise<StorageTestResult> {
    const steps: StorageTestResult['steps'] = [];
    const probeKey = `probes/${randomUUID()}`;
    const payload = Buffer.from(`stockroom storage probe ${new Date().toISOString()}`);
    const run = async (step: TestStep, work: () => Promise<string>) => {
      try {
        steps.push({ step, ok: true, message: await work() });
        return true;
      } catch (e) {
        steps.push({ step, ok: false, message: detailed ? (e as Error).message : failureForEveryone(step, e) });
        return false;
      }
    };
    let provider: StorageProvider | undefined;
    try {
      const ok =
        (await run('connect', async () => {
          provider = createProvider(settings, this.outbound);
          await provider.checkHealth();
          return `Reached ${settings.id} storage.`;
        })) &&
        (await run('write', async () => {
          await provider?.write(probeKey, Readable.from([payload]));
          return `Wrote ${payload.length} bytes.`;
        })) &&
        (await run('read', async () => {
          const chunks: Buffer[] = [];
          for await (const chunk of await (provider as StorageProvider).read(probeKey)) chunks.push(chunk as Buffer);
          if (!Buffer.concat(chunks).equals(payload))
            throw new ProbeError('The bytes read back differ from those written.');
          return 'Read the same bytes back.';
        })) &&
        (await run('delete', async () => {
          await provider?.delete(probeKey);
          return 'Deleted the probe.';
        }));
      return { ok, steps };
    } finally {
      if (provider) destroyProvider(provider);
    }
  }

  /**
   * Queues blobs for removal inside the caller's transaction, from every storage that may hold
   * them (both sides of a running move); not before `delaySeconds` from now.
   */
  async enqueueDeletion(
    tx: Tx,
    storage: LockedStorage | StorageDescriptor,
    keys: string[],
    delaySeconds = 0,
  ): Promise<void> {
    const descriptors = 'current' in storage ? [storage.current, storage.previous] : [storage];
    for (const descriptor of descriptors) {
      if (descriptor) await this.deletions.enqueue(tx, descriptor, keys, delaySeconds);
    }
  }

  /** Keeps blobs whose deletion was queued (they are about to be used again), inside the caller's transaction. */
  async cancelDeletion(tx: Tx, keys: string[]): Promise<void> {
    await this.deletions.cancel(tx, keys);
  }

  /** Those of `keys` whose deletion is queued. */
  queuedForDeletion(keys: string[]): Promise<Set<string>> {
    return this.deletions.queued(keys);
  }

  /**
   * Starts a sweep, or asks the running one to go again (its snapshot may predate the caller's
   * deletions); never throws.
   */
  sweepSoon(): void {
    if (this.sweeping) {
      this.sweepAgain = true;
      return;
    }
    this.sweeping = (async () => {
      do {
        this.sweepAgain = false;
        await this.sweep().catch((e) => this.logger.warn(`Blob sweep failed: ${(e as Error).message}`));
      } while (this.sweepAgain);
    })().finally(() => (this.sweeping = undefined));
  }

  /**
   * Tells the sweep who still uses a blob. Copies within one storage share their blob (no bytes are
   * copied), so a queued deletion only means "the last user may be gone": the sweep checks.
   */
  useBlobHolders(holders: BlobHolders): void {
    this.blobHolders = holders;
  }

  /**
   * Whether a file still needs the queued blob where the deletion would remove it: a file naming the
   * key in a directory whose storage (or, while it moves, whose previous storage) is that location.
   * The same key in another storage (a directory that moved away) does not keep this copy.
   */
  private inUse(row: BlobDeletionRow, holders: Map<string, FeedLike[]>): boolean {
    return (holders.get(row.blob_key) ?? []).some(
      (feed) =>
        this.sameLocation(this.descriptorFor(feed), row.storage) ||
        (!!feed.storagePrevious && this.sameLocation(feed.storagePrevious, row.storage)),
    );
  }

  /**
   * Removes queued blobs that no file uses any more (those still used — a copy shares them — just
   * leave the queue). Rows are claimed with SKIP LOCKED so several nodes can sweep at once.
   *
   * No race with a copy: a copy share-locks the rows it copies from until it commits, so a file
   * naming the blob is committed and visible here before the last other user can be deleted.
   */
  async sweep(batchSize = 500): Promise<number> {
    let removed = 0;
    for (;;) {
      const done = await this.unitOfWork.run(async (tx) => {
        const claimed = await this.deletions.claimDue(tx, batchSize);
        const holders = this.blobHolders
          ? await this.blobHolders([...new Set(claimed.map((r) => r.blob_key))])
          : new Map<string, FeedLike[]>();
        const finished: string[] = [];
        const rows = claimed.filter((row) => {
          if (!this.inUse(row, holders)) return true;
          finished.push(row.id);
          return false;
        });
        await Promise.all(
          rows.map(async (row) => {
            try {
              await this.providerForDescriptor(row.storage).delete(row.blob_key);
              finished.push(row.id);
            } catch (e) {
              this.logger.warn(`Could not delete blob ${row.blob_key}: ${(e as Error).message}`);
            }
          }),
        );
        await this.deletions.remove(tx, finished);
        removed += finished.length - (claimed.length - rows.length);
        return claimed.length < batchSize || finished.length === 0;
      });
      if (done) return removed;
    }
  }
}

/** What a non-administrator reads about a failed test step: the step and a kind of failure, no address. */
function failureForEveryone(step: TestStep, e: unknown): string {
  const what = `Could not ${STEP_VERBS[step]}`;
  if (e instanceof ProbeError) return `${what}: ${e.message}`;
  if (isOutboundDenied(e)) return `${what}: its address is not allowed by STOCKROOM_OUTBOUND_ALLOW.`;
  if (isStorageError(e, StorageErrorCode.AccessDenied))
    return `${what}: the storage refused the credentials or permissions.`;
  return `${what}. An administrator can run the test to see why.`;
}

/** Closes a provider's connections (cloud providers keep keep-alive sockets and agents). */
export function destroyProvider(provider: StorageProvider): void {
  (provider as { destroy?: () => void }).destroy?.();
}

/**
 * A provider for settings whose secrets are in clear. Its connections go through `outbound`'s
 * agents when an allow list is set (unrestricted: the SDKs' own agents, proxies included).
 */
export function createProvider(settings: StorageSettings, outbound: OutboundPolicy): StorageProvider {
  const agents = () => (outbound.restricted ? outbound.createAgents() : undefined);
  const p = settings.properties;
  const text = (name: string) => (typeof p[name] === 'string' && p[name] !== '' ? String(p[name]) : undefined);
  switch (settings.id) {
    case 'disk':
      return new DiskStorageProvider(String(p['Path']));
    case 's3': {
      const accessKeyId = text('AccessKey');
      const secretAccessKey = text('SecretAccessKey');
      return new S3StorageProvider({
        bucket: String(p['BucketName']),
        prefix: text('TargetPath'),
        region: text('RegionEndpoint'),
        endpoint: text('CustomServiceUrl'),
        forcePathStyle: p['UsePathStyle'] === true,
        // No keys: the SDK's default chain (environment, profile, instance or task role).
        credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
        serverSideEncryption: p['Encrypted'] === true,
        agents: agents(),
      });
    }
    case 'azure':
      return new AzureBlobStorageProvider({
        connectionString: text('ConnectionString'),
        container: String(p['ContainerName']),
        prefix: text('TargetPath'),
        agents: agents(),
      });
  }
}
