import { Inject, Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestAddress } from '../../common/http/client-address';
import type { EdgeHandler } from '../../common/http/edge';
import { Query } from '../../common/http/query';
import { deliversFromStart, sendStoredObject } from '../../common/http/send-stored-object';
import { APP_CONFIG, AppConfig, hostOf } from '../../config/app-config';
import { answeredAs } from '../observability/http-metrics';
import { SharesService } from './shares.service';

/** `/s/{token}` or `/s/{token}/`, any query: the link itself (a shared file's download). */
const LINK_URL = /^\/s\/([A-Za-z0-9_-]{43})\/?(\?|$)/;
export const SHARE_ROUTE = '/s/:token';

/**
 * `GET`/`HEAD /s/{token}` of a shared file without a password — what a link is mostly used for —
 * answered without Express's router and Nest's chain, through exactly what ShareLinksController uses
 * (SharesService, sendStoredObject). Everything else (folders, passwords, paths below a link, and
 * every request that fails before its answer starts) goes to Express, which answers it as it always
 * does: opening a link has no side effect until a download is counted, so doing it twice is harmless.
 */
@Injectable()
export class ShareFastPath {
  private readonly logger = new Logger('Shares');
  private readonly contentHost?: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly shares: SharesService,
  ) {
    this.contentHost = config.contentUrl ? hostOf(config.contentUrl) : undefined;
  }

  wrap(next: EdgeHandler): EdgeHandler {
    return (req, res) => {
      const { method, url, headers } = req;
      const token =
        (method === 'GET' || method === 'HEAD') &&
        headers['content-length'] === undefined &&
        headers['transfer-encoding'] === undefined &&
        headers.authorization === undefined &&
        // The content host name answers signed URLs only (its gate is Express's): not served here.
        this.contentHost === undefined
          ? LINK_URL.exec(url ?? '')?.[1]
          : undefined;
      if (token === undefined) {
        next(req, res);
        return;
      }
      this.serve(req, res, token).then(
        (served) => {
          if (!served) next(req, res);
        },
        (e: unknown) => {
          if (!res.headersSent) {
            next(req, res);
            return;
          }
          this.logger.warn(`A shared download failed after its answer started: ${(e as Error).message}`);
          res.destroy();
        },
      );
    };
  }

  /** True when it answered; false to hand the request on (nothing written, nothing counted). */
  private async serve(req: IncomingMessage, res: ServerResponse, token: string): Promise<boolean> {
    const use = await this.shares.open(token, undefined, requestAddress(req, this.config.trustProxy));
    if (use.share.kind !== 'file') return false;
    const { target } = await this.shares.resolve(use, []);
    const object = await this.shares.file(target, { attachment: Query.fromUrl(req.url as string).bool('download') });
    const counts = deliversFromStart(req, object);
    if (counts) await this.shares.countDownload(use, target, 'file');
    answeredAs(req, SHARE_ROUTE);
    res.setHeader('X-Robots-Tag', 'noindex, nofollow');
    res.setHeader('Referrer-Policy', 'no-referrer');
    try {
      await sendStoredObject(req, res, object);
    } catch (e) {
      // Counted already: not handed on (Express would count it again); the store failed us.
      if (counts && !res.headersSent) {
        this.logger.warn(`A shared download failed before its answer started: ${(e as Error).message}`);
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end('The stored file is unavailable; try again later.');
        return true;
      }
      throw e;
    }
    return true;
  }
}
