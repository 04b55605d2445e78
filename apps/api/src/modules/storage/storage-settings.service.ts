import { Injectable } from '@nestjs/common';
import { ErrorCode, Privilege, StorageSettings, StorageTestResult, StorageTypeInfo } from '@stockroom/contracts';
import type { Principal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import type { FeedEntity } from '../feeds/feed.entity';
import { FeedsService } from '../feeds/feeds.service';
import { AccessService } from '../security/access.service';
import { maskSecrets, parseStorageSettings, STORAGE_TYPES } from './storage-settings';
import { StorageMovesService } from './storage-moves.service';
import { StorageService } from './storage.service';

/**
 * ProGet's storage API (spec §7): which storage a directory uses, changing it (moving its files,
 * see StorageMovesService), and a connection test. Managing a directory's storage needs Manage there; a custom disk path needs Administer
 * (it points the server at any folder of the machine).
 */
@Injectable()
export class StorageSettingsService {
  constructor(
    private readonly feeds: FeedsService,
    private readonly storage: StorageService,
    private readonly access: AccessService,
    private readonly moves: StorageMovesService,
  ) {}

  async types(actor: Principal): Promise<StorageTypeInfo[]> {
    await this.access.require(actor, Privilege.Administer);
    return STORAGE_TYPES;
  }

  async get(actor: Principal, feedName: string): Promise<StorageSettings> {
    const feed = await this.feeds.requireFor(actor, Privilege.ManageFeed, feedName);
    const move = await this.moves.unfinished(feed);
    return { ...maskSecrets(this.storage.descriptorFor(feed)), ...(move ? { move } : {}) };
  }

  /** Changes the storage; a directory that holds files moves them (the answer carries the move). */
  async set(actor: Principal, feedName: string, body: unknown): Promise<StorageSettings> {
    const feed = await this.feeds.requireFor(actor, Privilege.ManageFeed, feedName);
    const settings = await this.parse(actor, feed, body);
    const sealed = this.storage.sealed(settings);
    const move = await this.moves.change(actor, feed, sealed);
    return { ...maskSecrets(sealed), ...(move ? { move } : {}) };
  }

  /** Tests the settings in the body, or the directory's saved ones when the body is empty. */
  async test(actor: Principal, feedName: string, body: unknown): Promise<StorageTestResult> {
    const feed = await this.feeds.requireFor(actor, Privilege.ManageFeed, feedName);
    const empty = typeof body === 'object' && body !== null && Object.keys(body).length === 0;
    const settings = empty
      ? this.storage.unsealed(this.storage.descriptorFor(feed))
      : await this.parse(actor, feed, body);
    return this.storage.test(settings);
  }

  /** Validated settings, secrets in clear (a masked secret keeps the saved one). */
  private async parse(actor: Principal, feed: FeedEntity, body: unknown): Promise<StorageSettings> {
    const current = this.storage.unsealed(this.storage.descriptorFor(feed));
    const settings = parseStorageSettings(body, current);
    const path = settings.properties['Path'];
    if (settings.id === 'disk' && path !== undefined && path !== this.storage.defaultDiskPath(feed.id)) {
      if (!(await this.access.has(actor, Privilege.Administer))) {
        throw new AppError(ErrorCode.Forbidden, 'Only an administrator can put a directory in a custom disk folder.');
      }
    }
    return settings;
  }
}
