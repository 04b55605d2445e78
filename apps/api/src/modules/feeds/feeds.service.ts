import { Injectable } from '@nestjs/common';
import {
  CreateFeedRequest,
  ErrorCode,
  Feed,
  isValidFeedName,
  Privilege,
  UpdateFeedRequest,
} from '@stockroom/contracts';
import { AppError, badRequest } from '../../common/errors/app-error';
import type { Principal } from '../../common/auth/principal';
import { AccessService } from '../security/access.service';
import { StorageService } from '../storage/storage.service';
import { FeedEntity } from './feed.entity';
import { toFeed } from './feed.mapper';
import { FeedsRepository } from './feeds.repository';

const FEED_TYPES = ['asset'];

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Expected a JSON object.');
  return body as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`"${field}" must be a string.`);
  return v;
}

function optionalBool(body: Record<string, unknown>, field: string): boolean | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`"${field}" must be true or false.`);
  return v;
}

function checkName(name: string): void {
  if (!isValidFeedName(name)) {
    throw badRequest(
      `Invalid feed name "${name}": use 1-100 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit.`,
    );
  }
}

function checkFeedType(feedType: string | undefined): void {
  if (feedType !== undefined && !FEED_TYPES.includes(feedType.toLowerCase())) {
    throw badRequest(`Unsupported feedType "${feedType}": this server hosts asset directories (feedType "asset").`);
  }
}

/** Asset directories as ProGet feeds: CRUD and naming rules (spec §1, §7). */
@Injectable()
export class FeedsService {
  constructor(
    private readonly repository: FeedsRepository,
    private readonly storage: StorageService,
    private readonly access: AccessService,
  ) {}

  /** The feed or a 404; used by every directory-scoped operation. */
  async require(name: string): Promise<FeedEntity> {
    const feed = await this.repository.findByName(name);
    if (!feed) throw new AppError(ErrorCode.FeedNotFound, `Asset directory "${name}" was not found.`);
    return feed;
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

  async list(actor: Principal): Promise<Feed[]> {
    await this.access.require(actor, Privilege.View);
    return (await this.repository.list()).map(toFeed);
  }

  async get(actor: Principal, name: string): Promise<Feed> {
    const feed = await this.require(name);
    await this.access.require(actor, Privilege.View, feed.name);
    return toFeed(feed);
  }

  async create(actor: Principal, body: unknown): Promise<Feed> {
    await this.access.require(actor, Privilege.Administer);
    const input = asObject(body) as Partial<Record<keyof CreateFeedRequest, unknown>>;
    if (typeof input.name !== 'string') throw badRequest('"name" is required.');
    const name = input.name;
    checkName(name);
    const feedType = optionalString(input, 'feedType');
    if (feedType === undefined) throw badRequest('"feedType" is required (use "asset").');
    checkFeedType(feedType);
    const created = await this.repository.insert({
      name,
      description: optionalString(input, 'description') ?? '',
      active: optionalBool(input, 'active') ?? true,
    });
    if (!created) throw new AppError(ErrorCode.AlreadyExists, `A feed named "${name}" already exists.`);
    return toFeed(created);
  }

  async update(actor: Principal, name: string, body: unknown): Promise<Feed> {
    const feed = await this.require(name);
    await this.access.require(actor, Privilege.ManageFeed, feed.name);
    const input = asObject(body) as Partial<Record<keyof UpdateFeedRequest, unknown>>;
    checkFeedType(optionalString(input, 'feedType'));
    const newName = optionalString(input, 'name');
    if (newName !== undefined && newName !== feed.name) {
      checkName(newName);
      const other = await this.repository.findByName(newName);
      if (other && other.id !== feed.id)
        throw new AppError(ErrorCode.AlreadyExists, `A feed named "${newName}" already exists.`);
      feed.name = newName;
      feed.nameLower = newName.toLowerCase();
    }
    feed.description = optionalString(input, 'description') ?? feed.description;
    feed.active = optionalBool(input, 'active') ?? feed.active;
    return toFeed(await this.repository.save(feed));
  }

  /** Deletes the directory, its items, and (through the deletion queue) their blobs. */
  async delete(actor: Principal, name: string): Promise<void> {
    const feed = await this.require(name);
    await this.access.require(actor, Privilege.ManageFeed, feed.name);
    const descriptor = this.storage.descriptorFor(feed);
    const { uploads } = await this.repository.transaction(async (manager) => {
      const found = await this.repository.lockAndListStorage(manager, feed.id);
      await this.storage.enqueueDeletion(manager, descriptor, found.blobKeys);
      await this.repository.delete(manager, feed.id);
      return found;
    });
    this.storage.sweepSoon();
    // Unfinished chunked uploads die with the directory (their rows went with it).
    const provider = this.storage.providerForDescriptor(descriptor);
    await Promise.all(uploads.map((u) => provider.abortMultipart(u.blobKey, u.storageUploadId).catch(() => undefined)));
  }
}
