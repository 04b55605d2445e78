import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, Privilege } from '@stockroom/contracts';
import { Readable } from 'node:stream';
import type { Principal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import type { AssetItemRow } from '../assets/asset-item.row';
import type { AssetTarget } from '../assets/asset-target';
import { AssetTransferService } from '../assets/asset-transfer.service';
import { AssetUploadService } from '../assets/asset-upload.service';
import { AssetsService, ItemRowStream } from '../assets/assets.service';
import { DirectoryPolicy } from '../feeds/directory-policy.service';
import type { FeedEntity } from '../feeds/feed.entity';
import { FeedsService } from '../feeds/feeds.service';
import { AccessService } from '../security/access.service';
import { DavError } from './dav-error';
import { DavLocksService } from './dav-locks.service';
import { DavPropertiesRepository, DeadProperty, PropertyChange } from './dav-properties.repository';
import type { DavUrl } from './dav-url';

/** A resource under a directory: the directory's root has no row. */
export interface DavResource extends AssetTarget {
  row?: AssetItemRow;
  /** A folder, or the directory's root. */
  collection: boolean;
  exists: boolean;
}

export const MAX_DEAD_PROPERTIES = 200;
export const MAX_DEAD_VALUE_CHARS = 64 * 1024;

/** macOS Finder's metadata files (AppleDouble `._x` and `.DS_Store`). */
export function isMacMetadataName(name: string): boolean {
  return name.startsWith('._') || name.toLowerCase() === '.ds_store';
}

/**
 * The rules of WebDAV over the asset tree, through the services every protocol uses (privileges,
 * policies, quota, audit are theirs). The controller owns the XML and the headers.
 */
@Injectable()
export class DavService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly feeds: FeedsService,
    private readonly assets: AssetsService,
    private readonly uploads: AssetUploadService,
    private readonly transfers: AssetTransferService,
    private readonly access: AccessService,
    private readonly policy: DirectoryPolicy,
    private readonly props: DavPropertiesRepository,
    readonly locks: DavLocksService,
  ) {}

  /** The directories the caller may view (two queries: no file counts, clients ask this often). */
  async feedsFor(actor: Principal): Promise<FeedEntity[]> {
    return this.access.viewable(actor, await this.feeds.all());
  }

  /** The resource a URL names (the caller must see its directory: else 401/404 as /endpoints answers). */
  async resolve(actor: Principal, url: DavUrl): Promise<DavResource> {
    const feed = await this.feeds.require(actor, url.feedName ?? '');
    const path = await this.assets.resolvePath(feed, url.segments);
    if (path.segments.length === 0) {
      await this.access.require(actor, Privilege.View, feed);
      return { feed, path, collection: true, exists: true };
    }
    let row: AssetItemRow | undefined;
    try {
      row = await this.assets.getMetadata(actor, { feed, path });
    } catch (e) {
      if (!(e instanceof AppError && e.code === ErrorCode.NotFound)) throw e;
    }
    return { feed, path, row, collection: row?.kind === 'dir', exists: row !== undefined };
  }

  /** The parent folder must exist (409 otherwise, RFC 4918 §9.7.1, §9.3.1). */
  async requireParent(actor: Principal, r: AssetTarget): Promise<void> {
    if (r.path.segments.length <= 1) return;
    const parent = await this.resolve(actor, {
      feedName: r.feed.name,
      segments: r.path.segments.slice(0, -1),
      trailingSlash: true,
    });
    if (!parent.exists || !parent.collection)
      throw new DavError(409, `The parent folder of "${r.path.path}" does not exist.`);
  }

  assertMacFileAllowed(name: string): void {
    if (this.config.davMacFiles === 'refuse' && isMacMetadataName(name))
      throw new DavError(403, `macOS metadata files ("${name}") are not stored here (STOCKROOM_DAV_MAC_FILES=refuse).`);
  }

  macFilesHidden(): boolean {
    return this.config.davMacFiles === 'refuse';
  }

  children(actor: Principal, r: AssetTarget): Promise<ItemRowStream> {
    return this.assets.list(actor, r, false);
  }

  async quota(feed: FeedEntity): Promise<{ used: number; available: number } | undefined> {
    const usage = await this.policy.usage(feed.id);
    if (usage.quotaBytes === null) return undefined;
    return { used: usage.usedBytes, available: Math.max(0, usage.quotaBytes - usage.usedBytes) };
  }

  deadProps(r: DavResource): Promise<DeadProperty[]> {
    return r.row ? this.props.list(r.row.id) : Promise.resolve([]);
  }

  deadPropsOfChildren(r: DavResource): Promise<Map<string, DeadProperty[]>> {
    return this.props.forChildren(r.feed.id, r.path.lower);
  }

  async put(actor: Principal, r: DavResource, body: Readable, contentType?: string, contentLength?: number) {
    this.assertMacFileAllowed(r.path.name);
    await this.requireParent(actor, r);
    return this.uploads.upload(actor, r, 'upsert', { body, contentType, contentLength });
  }

  async mkcol(actor: Principal, r: DavResource): Promise<void> {
    this.assertMacFileAllowed(r.path.name);
    await this.requireParent(actor, r);
    await this.assets.createFolder(actor, r);
  }

  async delete(actor: Principal, r: DavResource): Promise<void> {
    await this.assets.delete(actor, r, { recursive: true, fileOnly: false });
    await this.locks.forget(r.feed, r.path.lower);
  }

  /**
   * COPY or MOVE to `dest` (RFC 4918 §9.8-9.9) through the move/copy operations. With Overwrite: T a
   * file replaces a file in place (history kept); anything else at the target is deleted first.
   * Returns whether the target existed (204) or came into being (201).
   */
  async transfer(
    kind: 'move' | 'copy',
    actor: Principal,
    src: DavResource,
    dest: DavResource,
    opts: { overwrite: boolean; shallow: boolean },
  ): Promise<'created' | 'replaced'> {
    if (dest.path.segments.length === 0) throw new DavError(403, 'A directory root cannot be replaced.');
    this.assertMacFileAllowed(dest.path.name);
    const sameFeed = src.feed.id === dest.feed.id;
    if (sameFeed && src.path.lower === dest.path.lower && src.path.path === dest.path.path)
      throw new DavError(403, 'The source and the destination are the same.');
    if (sameFeed && dest.path.lower.startsWith(`${src.path.lower}/`))
      throw new DavError(403, `Cannot ${kind} "${src.path.path}" into itself.`);
    await this.requireParent(actor, dest);
    let overwrite = false;
    const existed = dest.exists && !(sameFeed && src.path.lower === dest.path.lower);
    if (existed) {
      if (!opts.overwrite) throw new DavError(412, `"${dest.path.path}" exists and Overwrite is F.`);
      if (dest.collection || src.collection) await this.delete(actor, dest);
      else overwrite = true;
    }
    if (kind === 'copy' && src.collection && opts.shallow) {
      await this.assets.createFolder(actor, dest);
    } else {
      const request = { to: dest.path.segments, toDirectory: dest.feed.name, overwrite };
      if (kind === 'move') await this.transfers.move(actor, src, request);
      else await this.transfers.copy(actor, src, request);
    }
    if (kind === 'copy')
      await this.props.copySubtree(
        { feedId: src.feed.id, lower: src.path.lower },
        { feedId: dest.feed.id, lower: dest.path.lower },
      );
    else await this.locks.forget(src.feed, src.path.lower);
    return existed ? 'replaced' : 'created';
  }

  /** Checks PROPPATCH's privilege (Add) before its body is judged. */
  async requirePropertyWrite(actor: Principal, r: DavResource): Promise<void> {
    await this.access.require(actor, Privilege.Add, r.feed);
    if (!r.exists) throw new DavError(404, `"${r.path.path}" was not found.`);
    if (!r.row) throw new DavError(403, 'The directory root holds no properties; set them on its items.');
  }

  /** Applies PROPPATCH's sets and removes in order, all or nothing; 507 past the per-item cap. */
  async applyProperties(r: DavResource, ops: PropertyChange[]): Promise<void> {
    if (!r.row) return;
    await this.props.apply(
      r.row.id,
      ops,
      MAX_DEAD_PROPERTIES,
      () =>
        new DavError(507, `An item holds at most ${MAX_DEAD_PROPERTIES} WebDAV properties.`, 'insufficient-storage'),
    );
  }

  /** For lock-null resources (LOCK on a missing path): an empty file (RFC 4918 §9.10.4). */
  async createEmpty(actor: Principal, r: DavResource): Promise<void> {
    this.assertMacFileAllowed(r.path.name);
    await this.requireParent(actor, r);
    await this.uploads.upload(actor, r, 'create', { body: Readable.from([]), contentLength: 0 });
  }
}
