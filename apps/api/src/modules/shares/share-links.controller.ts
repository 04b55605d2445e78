import { Controller, Get, Inject, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AssetPathError, ErrorCode, parseEncodedPath } from '@stockroom/contracts';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { Access } from '../../common/auth/access.decorator';
import { PlainTextErrorsFilter } from '../../common/errors/all-exceptions.filter';
import { AppError } from '../../common/errors/app-error';
import { attachmentDisposition } from '../../common/http/attachment';
import { requestAddress } from '../../common/http/client-address';
import { setUserContentHeaders } from '../../common/http/content-safety';
import { htmlIndex, setHtmlIndexHeaders } from '../../common/http/html-index';
import { Query } from '../../common/http/query';
import { deliversFromStart, sendStoredObject } from '../../common/http/send-stored-object';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { SharesService } from './shares.service';

/** `/s/{token}[/{path}][?format=zip]`, as sent (percent-decoding once, per segment). */
interface ShareUrl {
  token: string;
  sub: string[];
  /** The path ends in `/` (an index's relative links need it). */
  slash: boolean;
  query: Query;
}

function parseShareUrl(url: string): ShareUrl {
  const q = url.indexOf('?');
  const pathname = q < 0 ? url : url.slice(0, q);
  const [, , token = '', ...rest] = pathname.split('/');
  let sub: string[];
  try {
    sub = parseEncodedPath(rest.join('/'));
  } catch (e) {
    if (e instanceof AssetPathError) throw new AppError(ErrorCode.InvalidPath, e.message);
    throw e;
  }
  return { token, sub, slash: pathname.endsWith('/'), query: new Query(q < 0 ? '' : url.slice(q + 1)) };
}

/** The password of `Authorization: Basic …` (any user name), if one was sent. */
function basicPassword(header: string | undefined): string | undefined {
  const match = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/**
 * [ext] Share links (issue 18), without an account: the token in the URL is the only credential (no
 * session cookie, no API key is read: the route is public to the guard). A shared file answers as
 * any download (Range, ETag, the content-safety headers; `?download=true` as an attachment); a shared folder answers an HTML index at
 * `/s/{token}/`, a file or subfolder below it at `/s/{token}/{path}`, and `?format=zip` (or `tgz`)
 * the folder as an archive. A password is asked with a Basic challenge. Errors are plain text.
 */
@ApiExcludeController()
@Controller('s')
@Access.public()
@UseFilters(PlainTextErrorsFilter)
export class ShareLinksController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly shares: SharesService,
  ) {}

  @Get([':token', ':token/*rest'])
  async serve(@Req() req: Request, @Res() res: Response): Promise<void> {
    // Whatever this answers (a file, an index, an error): not for search engines, and the token in
    // this URL is not handed on to the next site.
    res.setHeader('X-Robots-Tag', 'noindex, nofollow');
    res.setHeader('Referrer-Policy', 'no-referrer');
    const { token, sub, slash, query } = parseShareUrl(req.originalUrl);
    const head = req.method === 'HEAD';
    const address = requestAddress(req, this.config.trustProxy);
    const use = await this.shares.open(token, basicPassword(req.headers.authorization), address);
    const { kind, target } = await this.shares.resolve(use, sub);

    if (kind === 'file') {
      const object = await this.shares.file(target, { attachment: query.bool('download') });
      if (deliversFromStart(req, object)) await this.shares.countDownload(use, target, 'file');
      await sendStoredObject(req, res, object);
      return;
    }

    if (query.has('format')) {
      const archive = await this.shares.archive(use, target, query.get('format'), head);
      res.status(200);
      res.setHeader('Content-Type', archive.mediaType);
      res.setHeader('Content-Disposition', attachmentDisposition(archive.fileName));
      res.setHeader('Cache-Control', 'no-store');
      setUserContentHeaders(res); // an archive of user files is user content too
      if (head) {
        archive.body.destroy();
        res.end();
        return;
      }
      await pipeline(archive.body, res);
      return;
    }

    if (!slash) {
      // An index's links are relative to its URL, which must end in '/'.
      const q = req.originalUrl.indexOf('?');
      const pathname = q < 0 ? req.originalUrl : req.originalUrl.slice(0, q);
      res.redirect(301, `${pathname}/${q < 0 ? '' : req.originalUrl.slice(q)}`);
      return;
    }
    const shared = use.share.path === '' ? use.feed.name : use.share.path.split('/').pop();
    const title = [shared, ...sub].join('/') + '/';
    setHtmlIndexHeaders(res);
    res.status(200);
    if (head) {
      res.end();
      return;
    }
    const entries = await this.shares.index(use, target);
    await pipeline(htmlIndex({ title, parent: sub.length > 0 }, entries), res);
  }
}
