import { Injectable, OnModuleInit } from '@nestjs/common';
import {
  AuditAction,
  type ConnectorSettings,
  ErrorCode,
  Feed,
  isValidFeedName,
  MASKED_SECRET,
  Privilege,
} from '@stockroom/contracts';
import { AppError, badRequest } from '../../common/errors/app-error';
import type { Principal } from '../../common/auth/principal';
import { CoherentCache } from '../../database/coherent-cache.service';
import { AuditService } from '../audit/audit.service';
import { AccessService } from '../security/access.service';
import { LockedStorage, StorageDescriptor, StorageService } from '../storage/storage.service';
import { FeedContentsService, NO_FILES } from '../assets/feed-contents.service';
import { Tx, UnitOfWork } from '../../database/unit-of-work';
import { FeedEntity } from './feed.entity';
import type { CreateFeedDto, UpdateFeedDto } from './feed-requests.dto';
import { toFeed } from './feed.mapper';
import { FeedsRepository, FeedStorageRow } from './feeds.repository';
import { DirectoryPolicy } from './directory-policy.service';
import { ConnectorInput, ConnectorSecrets, maskConnector } from './connector-settings';
import { OutboundHttp } from '../../common/net/outbound-http';
import { isOutboundDenied } from '../../common/net/outbound-policy';

const FEED_TYPES = ['asset'];

function checkName(name: string): void {
  if (!isValidFeedName(name)) {
    throw badRequest(
      `Invalid directory name "${name}": use 1-100 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit.`,
    );
  }
}

function checkFeedType(feedType: string | undefined): void {
  if (feedType !== undefined && !FEED_TYPES.includes(feedType.toLowerCase())) {
    throw badRequest(`Unsupported feedType "${feedType}": this server hosts asset directories (feedType "asset").`);
  }
}

/** Whether a connector as sent is the stored one (secrets sent back masked count as the stored ones). */
function sameConnector(input: ConnectorSettings | null, stored: ConnectorSettings | null): boolean {
  if (input === null || stored === null) return input === stored;
  const fields = [
    'url',
    'type',
    'username',
    'cacheMinutes',
    'negativeCacheMinutes',
    'timeoutSeconds',
    'offline',
  ] as const;
  if (fields.some((f) => input[f] !== stored[f])) return false;
  return (['password', 'apiKey'] as const).every((s) =>
    stored[s] === undefined ? input[s] === undefined : input[s] === MASKED_SECRET,
  );
}

/** Asset directories as ProGet feeds: CRUD and naming rules (spec §1, §7). */
@Injectable()
export class FeedsService implements OnModuleInit {
  private readonly connectorListeners: ((feedId: number) => Promise<void>)[] = [];

  constructor(
    private readonly repository: FeedsRepository,
    private readonly contents: FeedContentsService,
    private readonly unitOfWork: UnitOfWork,
    private readonly storage: StorageService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly cache: CoherentCache,
    private readonly policy: DirectoryPolicy,
    private readonly connectorSecrets: ConnectorSecrets,
    private readonly outbound: OutboundHttp,
  ) {}

  onModuleInit(): void {
    // The storage sweep asks who still uses a blob (copies share blobs): files and their directories'
    // storage, which the storage module cannot read itself (it sits below this one).
    this.storage.useBlobHolders(async (keys) => {
      const byKey = await this.contents.blobHolders(keys);
      if (byKey.size === 0) return new Map();
      const feeds = new Map((await this.repository.list()).map((f) => [f.id, f]));
      return new Map(
        [...byKey].map(([key, ids]) => [
          key,
          ids.flatMap((id) => (feeds.has(id) ? [feeds.get(id) as FeedEntity] : [])),
        ]),
      );
    });
  }

  /**
   * The directory a caller named, or the answer for one that does not exist — the same answer as
   * for one the caller may not see (401 for anonymous, else 404). Privileges are checked after.
   */
  async require(actor: Principal, name: string): Promise<FeedEntity> {
    const cached = await this.cache.get(
      'feed',
      name.toLowerCase(),
      () => this.repository.findByName(name),
      (f) => f !== null,
    );
    if (!cached) throw await this.access.missing(actor, name);
    // A copy: callers may change it (update) without touching what other requests read.
    return Object.assign(new FeedEntity(), cached);
  }

  /** The directory, once the caller is known to hold `privilege` on it. */
  async requireFor(actor: Principal, privilege: Privilege, name: string): Promise<FeedEntity> {
    const feed = await this.require(actor, name);
    await this.access.require(actor, privilege, feed);
    return feed;
  }

  /**
   * [ext] A directory by id from this node's coherent cache (the feeds table notifies every node of
   * its changes): what a share link, which names its directory by id, reads on each use.
   */
  async requireCachedById(id: number): Promise<FeedEntity> {
    // '#' is in no directory name: these keys never meet the names'.
    const cached = await this.cache.get(
      'feed',
      `#${id}`,
      () => this.repository.findById(id),
      (f) => f !== null,
    );
    if (!cached) throw new AppError(ErrorCode.FeedNotFound, `Asset directory #${id} was not found.`);
    return Object.assign(new FeedEntity(), cached);
  }

  async requireById(id: number): Promise<FeedEntity> {
    const feed = await this.repository.findById(id);
    if (!feed) throw new AppError(ErrorCode.FeedNotFound, `Asset directory #${id} was not found.`);
    return feed;
  }

  /** Every directory, for background jobs (no privilege check: not on behalf of a caller). */
  all(): Promise<FeedEntity[]> {
    return this.repository.list();
  }

  /** Directory names by id, for other modules' listings (no privilege check: callers decide what to show). */
  async namesById(ids: readonly number[]): Promise<Map<number, string>> {
    const rows = await this.repository.namesById([...new Set(ids)]);
    return new Map(rows.map((f) => [f.id, f.name]));
  }

  /**
   * The directories the caller may view (the others are not mentioned), each with the caller's
   * privileges there, its file count and size: three queries in all, whatever their number.
   */
  async list(actor: Principal): Promise<Feed[]> {
    const all = await this.repository.list();
    const held = await this.access.privilegesOnEach(actor, all);
    const viewable = all.filter((f) => held.get(f.id)?.has(Privilege.View));
    const ids = viewable.map((f) => f.id);
    const [stats, used] = await Promise.all([this.contents.stats(ids), this.policy.usedBytes(ids)]);
    return viewable.map((f) =>
      toFeed(f, {
        privileges: held.get(f.id) ?? new Set(),
        stats: stats.get(f.id) ?? NO_FILES,
        usedBytes: used.get(f.id) ?? 0,
      }),
    );
  }

  /** `stats`: with the file count and size, a count over the directory's files (not for every page view). */
  async get(actor: Principal, name: string, options: { stats?: boolean } = {}): Promise<Feed> {
    return this.withExtras(actor, await this.requireFor(actor, Privilege.View, name), options.stats);
  }

  /** The Feed answer with the [ext] fields for this caller (the counts only when asked for). */
  private async withExtras(actor: Principal, feed: FeedEntity, stats = false): Promise<Feed> {
    const [privileges, counts, used] = await Promise.all([
      this.access.privileges(actor, feed),
      stats ? this.contents.stats([feed.id]) : undefined,
      this.policy.usedBytes([feed.id]),
    ]);
    return toFeed(feed, {
      privileges,
      stats: counts ? (counts.get(feed.id) ?? NO_FILES) : undefined,
      usedBytes: used.get(feed.id) ?? 0,
    });
  }

  async create(actor: Principal, input: CreateFeedDto): Promise<Feed> {
    await this.access.require(actor, Privilege.Administer);
    const name = input.name;
    checkName(name);
    checkFeedType(input.feedType);
    const created = await this.repository.insert({
      name,
      description: input.description ?? '',
      active: input.active ?? true,
      retentionRules: input.retentionRules ?? [],
      retentionRulesEnabled: input.retentionRulesEnabled ?? false,
      retentionDryRun: input.retentionDryRun ?? false,
      inlineContent: input.inlineContent ?? false, // create is Administer-only
      writePolicy: input.writePolicy ?? 'allow',
      quotaBytes: input.quotaBytes ?? null,
      fileHistory: input.fileHistory ?? null,
      connector: input.connector ? await this.sealConnector(input.connector, null) : null,
    });
    if (!created) throw new AppError(ErrorCode.AlreadyExists, `A directory named "${name}" already exists.`);
    await this.audit.record(actor, AuditAction.FeedCreated, { feed: created.name });
    if (created.writePolicy !== 'allow' || created.quotaBytes !== null) {
      await this.audit.record(actor, AuditAction.FeedPolicyChanged, {
        feed: created.name,
        details: {
          writePolicy: { from: 'allow', to: created.writePolicy },
          quotaBytes: { from: null, to: created.quotaBytes },
        },
      });
    }
    return this.withExtras(actor, created);
  }

  /** A partial update: fields left out (or null) keep their value; null `retentionRules` clears them. */
  async update(actor: Principal, name: string, input: UpdateFeedDto): Promise<Feed> {
    const feed = await this.requireFor(actor, Privilege.ManageFeed, name);
    checkFeedType(input.feedType ?? undefined);
    // Inline active content lets a directory's uploaders show HTML to whoever opens it: a choice for
    // an administrator, not for whoever manages the directory (sending the current value is fine).
    const inlineContent = input.inlineContent ?? undefined;
    if (inlineContent !== undefined && inlineContent !== feed.inlineContent) {
      if (!(await this.access.has(actor, Privilege.Administer))) {
        throw new AppError(
          ErrorCode.Forbidden,
          'Only an administrator can change "inlineContent" (whether HTML, SVG and script files open in the browser).',
        );
      }
      feed.inlineContent = inlineContent;
    }
    // The write policy and the quota bind whoever manages the directory: only an administrator may
    // set, lift or raise them (sending the current values is fine).
    const policyChanges: Record<string, { from: unknown; to: unknown }> = {};
    const writePolicy = input.writePolicy ?? undefined;
    if (writePolicy !== undefined && writePolicy !== feed.writePolicy)
      policyChanges['writePolicy'] = { from: feed.writePolicy, to: writePolicy };
    if (input.quotaBytes !== undefined && input.quotaBytes !== feed.quotaBytes)
      policyChanges['quotaBytes'] = { from: feed.quotaBytes, to: input.quotaBytes };
    if (Object.keys(policyChanges).length > 0) {
      if (!(await this.access.has(actor, Privilege.Administer))) {
        throw new AppError(
          ErrorCode.Forbidden,
          `Only an administrator can change ${Object.keys(policyChanges)
            .map((k) => `"${k}"`)
            .join(' and ')} (the directory's write policy and quota).`,
        );
      }
      if (writePolicy !== undefined) feed.writePolicy = writePolicy;
      if (input.quotaBytes !== undefined) feed.quotaBytes = input.quotaBytes;
    }
    let upstreamChanged = false;
    // The connector makes the server contact an address and keeps what it sends: an administrator's
    // choice, like the storage's address (sending the current settings back, secrets masked, is fine).
    if (input.connector !== undefined && !sameConnector(input.connector, feed.connector)) {
      if (!(await this.access.has(actor, Privilege.Administer))) {
        throw new AppError(
          ErrorCode.Forbidden,
          'Only an administrator can set, change or remove "connector" (the directory\'s upstream).',
        );
      }
      policyChanges['connector'] = {
        from: feed.connector ? maskConnector(feed.connector) : null,
        to: input.connector ? maskConnector(input.connector) : null,
      };
      upstreamChanged = feed.connector?.url !== input.connector?.url || feed.connector?.type !== input.connector?.type;
      feed.connector = input.connector ? await this.sealConnector(input.connector, feed.connector) : null;
    }
    const newName = input.name ?? undefined;
    if (newName !== undefined && newName !== feed.name) {
      checkName(newName);
      const other = await this.repository.findByName(newName);
      if (other && other.id !== feed.id)
        throw new AppError(ErrorCode.AlreadyExists, `A directory named "${newName}" already exists.`);
      feed.name = newName;
      feed.nameLower = newName.toLowerCase();
    }
    feed.description = input.description ?? feed.description;
    feed.active = input.active ?? feed.active;
    if (input.retentionRules !== undefined) feed.retentionRules = input.retentionRules;
    feed.retentionRulesEnabled = input.retentionRulesEnabled ?? feed.retentionRulesEnabled;
    feed.retentionDryRun = input.retentionDryRun ?? feed.retentionDryRun;
    // Replaced whole; switching it off keeps the existing versions until they age out.
    if (input.fileHistory !== undefined) feed.fileHistory = input.fileHistory;
    const saved = await this.repository.save(feed);
    await this.audit.record(actor, AuditAction.FeedUpdated, {
      feed: saved.name,
      details: { changed: Object.keys(input) },
    });
    if (Object.keys(policyChanges).length > 0) {
      await this.audit.record(actor, AuditAction.FeedPolicyChanged, { feed: saved.name, details: policyChanges });
    }
    if (upstreamChanged) for (const listener of this.connectorListeners) await listener(saved.id);
    return this.withExtras(actor, saved);
  }

  /**
   * [ext] Called after a directory's upstream (connector URL or type) was set, changed or removed:
   * the connectors module forgets what the old upstream said.
   */
  onConnectorChange(listener: (feedId: number) => Promise<void>): void {
    this.connectorListeners.push(listener);
  }

  /** [ext] The directory's connector with its secrets in clear (for the connector's requests); null: none. */
  connectorOf(feed: FeedEntity): ConnectorSettings | null {
    return feed.connector ? this.connectorSecrets.open(feed.connector) : null;
  }

  /** Checked against STOCKROOM_OUTBOUND_ALLOW (403 when refused), secrets encrypted (a masked one kept). */
  private async sealConnector(input: ConnectorInput, stored: ConnectorSettings | null): Promise<ConnectorSettings> {
    try {
      await this.outbound.policy.check(input.url);
    } catch (e) {
      if (isOutboundDenied(e)) {
        throw new AppError(ErrorCode.Forbidden, `The connector's address ${(e as Error).message}.`);
      }
      throw e;
    }
    return this.connectorSecrets.seal(input, stored);
  }

  /** Deletes the directory, its items, and (through the deletion queue) their blobs. */
  async delete(actor: Principal, name: string): Promise<void> {
    const feed = await this.requireFor(actor, Privilege.ManageFeed, name);
    // A create-only directory's files are never deleted: only an administrator may drop it whole.
    if (this.policy.protectsDirectory(feed) && !(await this.access.has(actor, Privilege.Administer))) {
      throw new AppError(
        ErrorCode.WritePolicy,
        `Asset directory "${feed.name}" is create-only: only an administrator can delete it.`,
      );
    }
    const { uploads, storage } = await this.unitOfWork.run(async (tx) => {
      const locked = this.lockedStorage(feed.id, await this.repository.lockStorage(tx, feed.id, 'update'));
      const uploads = await this.contents.openUploads(tx, feed.id);
      await this.storage.enqueueDeletion(tx, locked, await this.contents.blobKeys(tx, feed.id));
      await this.repository.delete(tx, feed.id);
      return { uploads, storage: locked.current };
    });
    this.storage.sweepSoon();
    await this.audit.record(actor, AuditAction.FeedDeleted, { feed: feed.name });
    // Unfinished chunked uploads die with the directory (their rows went with it).
    await Promise.all(
      uploads.map((u) =>
        this.storage
          .providerForDescriptor(u.storage ?? storage)
          .abortMultipart(u.blobKey, u.storageUploadId)
          .catch(() => undefined),
      ),
    );
  }

  // ---- the directory's storage, for the assets and storage modules ----

  /**
   * The directory's storage, read and share-locked in the caller's transaction: a move cannot
   * switch it until the transaction ends, so blobs written to `current` are where the row says.
   */
  async lockStorage(tx: Tx, feedId: number): Promise<LockedStorage> {
    return this.lockedStorage(feedId, await this.repository.lockStorage(tx, feedId, 'share'));
  }

  /**
   * The directory's storage, locked against every writer until the caller's transaction ends
   * (to switch it); undefined when the directory is gone.
   */
  async lockStorageForSwitch(tx: Tx, feedId: number): Promise<LockedStorage | undefined> {
    const row = await this.repository.lockStorage(tx, feedId, 'update');
    return row ? this.lockedStorage(feedId, row) : undefined;
  }

  /**
   * Sets the directory's storage settings (as stored) and, while a move runs, where its files come
   * from (`previous`; null when the move is over). Call with the row locked (lockStorageForSwitch).
   */
  async switchStorage(
    tx: Tx,
    feedId: number,
    change: { storage?: StorageDescriptor; previous?: StorageDescriptor | null },
  ): Promise<void> {
    await this.repository.setStorage(tx, feedId, { storage: change.storage, storagePrevious: change.previous });
  }

  private lockedStorage(feedId: number, row: FeedStorageRow | null): LockedStorage {
    return {
      current: this.storage.descriptorFor({ id: feedId, storage: row?.storage ?? null }),
      previous: (row?.storagePrevious as StorageDescriptor | null) ?? null,
    };
  }
}
