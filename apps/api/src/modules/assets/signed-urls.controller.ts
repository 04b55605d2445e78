import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { AssetPathError, ErrorCode, parseDecodedPath, SignedUrl } from '@stockroom/contracts';
import type { Request } from 'express';
import { Access } from '../../common/auth/access.decorator';
import { Actor } from '../../common/auth/actor.decorator';
import type { Principal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { baseUrlOf } from '../../common/http/base-url';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { FeedsService } from '../feeds/feeds.service';
import { AssetDownloadService } from './asset-download.service';
import { itemPath } from './asset-target';
import { SignedUrlRequestDto } from './signed-url-request.dto';
import { ApiTags } from '@nestjs/swagger';
import { Answers } from '../../openapi/api-docs.decorators';

/**
 * [ext] `POST /api/signed-urls` `{feed, path, download?}` → `{url, expires}`: a short-lived URL that
 * downloads one file, in its current version, with no other credential (the console's downloads and
 * previews). Needs Download on the directory; on the content origin when one is configured.
 */
@ApiTags('Signed URLs')
@Controller('api/signed-urls')
@Access.directory()
export class SignedUrlsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly feeds: FeedsService,
    private readonly downloads: AssetDownloadService,
  ) {}

  @Answers(200, 'SignedUrl')
  @Post()
  @HttpCode(200)
  async create(
    @Actor() actor: Principal,
    @Body() { feed: feedName, path: rawPath, download = false }: SignedUrlRequestDto,
    @Req() req: Request,
  ): Promise<SignedUrl> {
    let segments: string[];
    try {
      segments = parseDecodedPath(rawPath);
    } catch (e) {
      if (e instanceof AssetPathError) throw new AppError(ErrorCode.InvalidPath, e.message);
      throw e;
    }
    const feed = await this.feeds.require(actor, feedName);
    const signed = await this.downloads.sign(actor, { feed, path: itemPath(segments) });
    const base = this.config.contentUrl ?? baseUrlOf(this.config, req);
    const path = segments.map(encodeURIComponent).join('/');
    const query = download ? `${signed.query}&download=true` : signed.query;
    return {
      url: `${base}/endpoints/${encodeURIComponent(feed.name)}/content/${path}?${query}`,
      expires: signed.expires.toISOString(),
    };
  }
}
