import { Injectable } from '@nestjs/common';
import {
  ErrorCode,
  MASKED_SECRET,
  Privilege,
  StorageSettings,
  StorageTestResult,
  StorageTypeInfo,
} from '@stockroom/contracts';
import type { Principal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { isOutboundDenied } from '../../common/net/outbound-policy';
import type { FeedEntity } from '../feeds/feed.entity';
import { FeedsService } from '../feeds/feeds.service';
import { AccessService } from '../security/access.service';
import {
  administratorOnly,
  maskSecrets,
  parseStorageSettings,
  sameConnection,
  STORAGE_TYPES,
  typeInfo,
} from './storage-settings';
import { StorageMovesService } from './storage-moves.service';
import type { StorageSettingsDto } from './storage-requests.dto';
import { StorageDescriptor, StorageService } from './storage.service';

/**
 * ProGet's storage API (spec §7): which storage a directory uses, changing it (moving its files,
 * see StorageMovesService), and a connection test.
 *
 * Who may configure what: Manage Feed on the directory is enough for its default disk folder, S3
 * on AWS's own endpoints with the caller's keys, and Azure on `https://<account>.blob.core.windows.net`
 * with the caller's key or SAS. Anything else makes the server contact an address of the caller's
 * choosing, use the server's own cloud credentials, or write outside its data folder: Administer
 * only (see {@link administratorOnly}). A directory manager may still re-save or test the
 * directory's current settings as they are (changing only options such as RedirectDownloads):
 * that reaches nothing the directory does not reach already. Secrets come back masked; a masked
 * secret kept from settings an administrator saved may only be used with the same connection, so
 * that nobody points an administrator's keys elsewhere without typing them.
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
    const move = await this.moves.unfinished(feed, await this.access.has(actor, Privilege.Administer));
    return { ...maskSecrets(this.storage.descriptorFor(feed)), ...(move ? { move } : {}) };
  }

  /** Changes the storage; a directory that holds files moves them (the answer carries the move). */
  async set(actor: Principal, feedName: string, body: StorageSettingsDto): Promise<StorageSettings> {
    const feed = await this.feeds.requireFor(actor, Privilege.ManageFeed, feedName);
    const { settings, savedBy } = await this.parse(actor, feed, body);
    const sealed: StorageDescriptor = { ...this.storage.sealed(settings), ...(savedBy ? { savedBy } : {}) };
    const move = await this.moves.change(actor, feed, sealed);
    return { ...maskSecrets(sealed), ...(move ? { move } : {}) };
  }

  /** Tests the given settings, or the directory's saved ones when none are given. */
  async test(actor: Principal, feedName: string, body: StorageSettingsDto | undefined): Promise<StorageTestResult> {
    const feed = await this.feeds.requireFor(actor, Privilege.ManageFeed, feedName);
    const settings =
      body === undefined
        ? this.storage.unsealed(this.storage.descriptorFor(feed))
        : (await this.parse(actor, feed, body)).settings;
    return this.storage.test(settings, await this.access.has(actor, Privilege.Administer));
  }

  /**
   * Validated settings, secrets in clear (a masked secret keeps the saved one), once the caller
   * may use them (see the class comment) and their addresses pass STOCKROOM_OUTBOUND_ALLOW; and
   * who they count as saved by.
   */
  private async parse(
    actor: Principal,
    feed: FeedEntity,
    body: StorageSettingsDto,
  ): Promise<{ settings: StorageSettings; savedBy?: StorageDescriptor['savedBy'] }> {
    const saved = this.storage.descriptorFor(feed);
    const current = this.storage.unsealed(saved);
    const settings = parseStorageSettings(body, current);
    const administrator = await this.access.has(actor, Privilege.Administer);
    let savedBy: StorageDescriptor['savedBy'] = administrator ? 'administrator' : 'manager';
    // For everyone: it also refuses an Azure connection string the SDK cannot read (400).
    const reason = await administratorOnly(settings, this.storage.defaultDiskPath(feed.id));
    if (!administrator) {
      const unchanged = sameConnection(settings, current);
      if (reason && !unchanged) throw new AppError(ErrorCode.Forbidden, `Only an administrator can ${reason}`);
      if (!unchanged && saved.savedBy !== 'manager' && keepsSecret(body)) {
        throw new AppError(
          ErrorCode.Forbidden,
          'Only an administrator can use the saved secret with another storage connection: type the secret again.',
        );
      }
      // The same connection stays what it was (an administrator's, or from before this was recorded).
      if (unchanged) savedBy = saved.savedBy;
    }
    try {
      await this.storage.checkOutbound(settings);
    } catch (e) {
      if (isOutboundDenied(e)) {
        throw new AppError(ErrorCode.Forbidden, `The storage's address ${(e as Error).message}.`);
      }
      throw e;
    }
    return { settings, savedBy };
  }
}

/** Whether the body sends any secret property back masked (keeping the saved value). */
function keepsSecret(body: StorageSettingsDto): boolean {
  const type = typeInfo(String(body.id ?? body.type ?? ''));
  const given = body.properties ?? {};
  return Object.entries(given).some(
    ([name, value]) =>
      value === MASKED_SECRET && type?.properties.some((p) => p.secret && p.name.toLowerCase() === name.toLowerCase()),
  );
}
