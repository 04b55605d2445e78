import { Injectable } from '@nestjs/common';
import { ErrorCode, Privilege } from '@stockroom/contracts';
import type { Principal } from '../../common/auth/principal';
import { AppError, badRequest } from '../../common/errors/app-error';
import type { StoredObjectResponse } from '../../common/http/send-stored-object';
import { AccessService } from '../security/access.service';
import { StorageService } from '../storage/storage.service';
import { cacheControlOf } from './asset-item.mapper';
import type { AssetTarget } from './asset-target';
import { AssetsRepository } from './assets.repository';

/** Resolves a download: privilege, item, cache setting and metadata headers (spec §2 #1-2). */
@Injectable()
export class AssetDownloadService {
  constructor(
    private readonly items: AssetsRepository,
    private readonly storage: StorageService,
    private readonly access: AccessService,
  ) {}

  async resolve(
    actor: Principal,
    target: AssetTarget,
    opts: { head: boolean; attachment: boolean },
  ): Promise<StoredObjectResponse> {
    const { feed, path } = target;
    await this.access.require(actor, opts.head ? Privilege.View : Privilege.Download, feed);
    if (path.segments.length === 0)
      throw new AppError(ErrorCode.IsFolder, 'The directory root is a folder, not a file.');
    // The item and its ancestors in one query: the nearest cache setting wins.
    const rows = await this.items.findWithAncestors(feed.id, path.segments);
    const item = rows[0]?.path_lower === path.lower ? rows[0] : undefined;
    if (!item) throw new AppError(ErrorCode.NotFound, `"${path.path}" was not found.`);
    if (item.kind === 'dir') throw new AppError(ErrorCode.IsFolder, `"${path.path}" is a folder, not a file.`);
    if (!item.blob_key || !item.sha1) throw badRequest(`"${path.path}" has no content.`);

    const cacheControl =
      rows.map((r) => cacheControlOf(r.cache_header)).find((c) => c !== undefined) ??
      cacheControlOf(feed.cacheHeader) ??
      'public';
    const headers: Record<string, string> = {};
    for (const [key, m] of Object.entries(item.user_metadata ?? {})) {
      if (m.includeInResponseHeader) headers[key] = m.value;
    }
    const provider = this.storage.providerFor(feed);
    const blobKey = item.blob_key;
    return {
      size: Number(item.size),
      mediaType: item.media_type ?? 'application/octet-stream',
      sha1: item.sha1,
      lastModified: new Date(item.modified_at),
      cacheControl,
      headers,
      attachmentName: opts.attachment ? item.name : undefined,
      open: (range) => provider.read(blobKey, range),
    };
  }
}
