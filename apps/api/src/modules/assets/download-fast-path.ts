import { Inject, Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestAddress } from '../../common/http/client-address';
import type { EdgeHandler } from '../../common/http/edge';
import { sendStoredObject } from '../../common/http/send-stored-object';
import { APP_CONFIG, AppConfig, hostOf } from '../../config/app-config';
import { FeedsService } from '../feeds/feeds.service';
import { answeredAs, ENDPOINTS_ROUTE } from '../observability/http-metrics';
import { AuthenticationService } from '../security/authentication.service';
import { credentialsAt } from '../security/request-credentials';
import { AssetDownloadService } from './asset-download.service';
import { AssetsService } from './assets.service';
import { parseEndpointsUrl } from './endpoints-url';
import { parseDavPath } from '../dav/dav-url';

const CONTENT_URL = /^\/endpoints\/[^/?#]+\/content\//i;
/** A file under a WebDAV directory (a collection URL ends with '/': the controller's HTML index). */
const DAV_FILE_URL = /^\/dav\/[^/?#]+\/[^?#]*[^/?#](\?[^#]*)?$/;
export const DAV_ROUTE = '/dav/*rest';

/**
 * `GET`/`HEAD /endpoints/{dir}/content/{path}` — the download hot path of CI fleets and package
 * managers — answered without Express's router and Nest's guard/interceptor/filter chain, through
 * exactly what EndpointsController uses: the same credential parsing and authentication (once per
 * request, shared with the guard), the directory lookup, path resolution, AssetDownloadService
 * (privilege, item, cache setting, counting) and sendStoredObject (validators, ranges, the
 * content-safety headers). The HTTP edge (logging, metrics, client limits, security headers) ran
 * before, as for every request.
 *
 * Whatever is not an ordinary download goes to Express untouched, and so does every request that
 * cannot be answered the ordinary way — an error (401, 403, 404, 416…), a session cookie (CSRF and
 * cookie renewal are the guard's), a signed URL, a store that redirects, the content host name:
 * Express then answers it exactly as it always has, authentication included (not repeated).
 */
@Injectable()
export class DownloadFastPath {
  private readonly logger = new Logger('Downloads');
  private readonly contentHost?: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly authentication: AuthenticationService,
    private readonly feeds: FeedsService,
    private readonly assets: AssetsService,
    private readonly downloads: AssetDownloadService,
  ) {
    this.contentHost = config.contentUrl ? hostOf(config.contentUrl) : undefined;
  }

  /** The request listener: serves the downloads it can, hands everything else to `next` (Express). */
  wrap(next: EdgeHandler): EdgeHandler {
    return (req, res) => {
      if (!this.eligible(req)) {
        next(req, res);
        return;
      }
      this.serve(req, res).then(
        (served) => {
          if (!served) next(req, res);
        },
        (e: unknown) => {
          if (!res.headersSent) {
            next(req, res); // Express answers the error, as for any download
            return;
          }
          // Mid-body: the only honest thing left is to cut the connection (as the error filter does).
          this.logger.warn(`A download failed after its answer started: ${(e as Error).message}`);
          res.destroy();
        },
      );
    };
  }

  /** A bodiless GET or HEAD of content, not on the content host name (which answers signed URLs only). */
  private eligible(req: IncomingMessage): boolean {
    const { method, url, headers } = req;
    return (
      (method === 'GET' || method === 'HEAD') &&
      url !== undefined &&
      (CONTENT_URL.test(url) || DAV_FILE_URL.test(url)) &&
      headers['content-length'] === undefined &&
      headers['transfer-encoding'] === undefined &&
      (this.contentHost === undefined || !this.onContentHost(req))
    );
  }

  /** As Express reads `req.hostname` (X-Forwarded-Host behind a trusted proxy); when unsure, yes. */
  private onContentHost(req: IncomingMessage): boolean {
    const hosts = [req.headers.host, this.config.trustProxy ? req.headers['x-forwarded-host'] : undefined];
    return hosts.some((h) => {
      if (h === undefined) return false;
      const first = String(h).split(',')[0].trim().toLowerCase();
      return first === '' || first.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1') === this.contentHost;
    });
  }

  /** True when it answered; false to hand the request on (nothing written yet). */
  private async serve(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = req.url as string;
    if (url.startsWith('/dav/')) return this.serveDav(req, res, url);
    const { feedName, operation, segments, query } = parseEndpointsUrl(url);
    // A file history version (`?version=n`) is Express's: it answers every such request the same way.
    if (operation !== 'content' || query.has('multipart') || query.has('version')) return false;
    const presented = credentialsAt(req, url, requestAddress(req, this.config.trustProxy));
    const { kind } = presented.credential;
    if (kind === 'session' || kind === 'signed-url') return false;
    const { principal } = await this.authentication.authenticateRequest(req, presented);
    const feed = await this.feeds.require(principal, feedName);
    const path = await this.assets.resolvePath(feed, segments);
    const object = await this.downloads.resolve(
      principal,
      { feed, path },
      { head: req.method === 'HEAD', attachment: query.bool('download'), fetchMissing: false },
    );
    if (object.directUrl) return false;
    answeredAs(req, ENDPOINTS_ROUTE);
    await sendStoredObject(req, res, object);
    return true;
  }

  /**
   * `GET`/`HEAD /dav/{dir}/{path}` of a file, as DavController answers it (the same download service
   * and helper). WebDAV never reads the session cookie: a request carrying one goes to Express, whose
   * guard ignores it there. Anything else (a folder, an error) is Express's too.
   */
  private async serveDav(req: IncomingMessage, res: ServerResponse, url: string): Promise<boolean> {
    let target: { feedName?: string; segments: string[] };
    try {
      target = parseDavPath(url);
    } catch {
      return false;
    }
    if (target.feedName === undefined || target.segments.length === 0) return false;
    const presented = credentialsAt(req, url, requestAddress(req, this.config.trustProxy));
    const { kind } = presented.credential;
    if (kind === 'session' || kind === 'signed-url') return false;
    const { principal } = await this.authentication.authenticateRequest(req, presented);
    const feed = await this.feeds.require(principal, target.feedName);
    const path = await this.assets.resolvePath(feed, target.segments);
    const object = await this.downloads.resolve(
      principal,
      { feed, path },
      { head: req.method === 'HEAD', attachment: false, fetchMissing: false },
    );
    if (object.directUrl) return false;
    answeredAs(req, DAV_ROUTE);
    await sendStoredObject(req, res, object);
    return true;
  }
}
