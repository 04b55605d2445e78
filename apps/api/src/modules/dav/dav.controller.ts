import { All, Controller, Inject, Options, Req, Res, UseFilters } from '@nestjs/common';
import { ErrorCode } from '@stockroom/contracts';
import type { Request, Response } from 'express';
import getRawBody from 'raw-body';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { Access } from '../../common/auth/access.decorator';
import { Actor } from '../../common/auth/actor.decorator';
import type { Principal } from '../../common/auth/principal';
import { AppError, badRequest } from '../../common/errors/app-error';
import { baseUrlOf } from '../../common/http/base-url';
import { declaredLength, requestBody } from '../../common/http/client-limits';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { htmlIndex, IndexEntry, setHtmlIndexHeaders } from '../../common/http/html-index';
import { sendStoredObject } from '../../common/http/send-stored-object';
import { unauthorized } from '../security/access.service';
import { AssetDownloadService } from '../assets/asset-download.service';
import type { ListedItemRow } from '../assets/asset-item.row';
import { DavError, DavErrorsFilter } from './dav-error';
import type { DavLockRow } from './dav-locks.repository';
import { DEFAULT_LOCK_SECONDS, MAX_LOCK_SECONDS, ResourceState, TOKEN_PREFIX } from './dav-locks.service';
import type { DeadProperty, PropertyChange } from './dav-properties.repository';
import { DavResource, DavService, isMacMetadataName, MAX_DEAD_VALUE_CHARS } from './dav.service';
import { DavUrl, davHref, parseDavPath, parseDestination } from './dav-url';
import {
  child,
  DAV_NS,
  escapeXml,
  innerXml,
  MULTISTATUS_CLOSE,
  MULTISTATUS_OPEN,
  OC_NS,
  parseXml,
  PropName,
  propElement,
  responseXml,
  XML_HEAD,
} from './dav-xml';
import { IfList, parseIfHeader, submittedTokens } from './if-header';

/** The WebDAV methods (the authorization matrix covers each). */
export const DAV_METHODS = [
  'OPTIONS',
  'PROPFIND',
  'PROPPATCH',
  'GET',
  'HEAD',
  'PUT',
  'DELETE',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
] as const;

const MAX_XML_BODY = 1024 * 1024;

/** One entry of a PROPFIND answer, whatever it stands for (directory, folder, file). */
interface Entry {
  href: string;
  name: string;
  collection: boolean;
  size?: number;
  mediaType?: string | null;
  sha1?: string | null;
  md5?: string | null;
  created?: string;
  modified?: string;
  lower?: string;
  dead: DeadProperty[];
  locks: DavLockRow[];
  quota?: { used: number; available: number };
}

type PropRequest = { kind: 'allprop' } | { kind: 'propname' } | { kind: 'prop'; names: PropName[] };

const LIVE: PropName[] = [
  'resourcetype',
  'displayname',
  'getcontentlength',
  'getcontenttype',
  'getetag',
  'getlastmodified',
  'creationdate',
  'supportedlock',
  'lockdiscovery',
].map((local) => ({ ns: DAV_NS, local }));
/** allprop and propname: the live properties of RFC 4918, and rclone's checksums. */
const ALLPROP_NAMES: PropName[] = [...LIVE, { ns: OC_NS, local: 'checksums' }];
const QUOTA_PROPS = new Set(['quota-available-bytes', 'quota-used-bytes']);
const PROTECTED = new Set([...LIVE.map((p) => p.local), ...QUOTA_PROPS]);

const SUPPORTED_LOCK =
  '<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>' +
  '<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>';

function activeLockXml(lock: DavLockRow): string {
  return (
    `<D:activelock><D:locktype><D:write/></D:locktype>` +
    `<D:lockscope>${lock.exclusive ? '<D:exclusive/>' : '<D:shared/>'}</D:lockscope>` +
    `<D:depth>${lock.deep ? 'infinity' : '0'}</D:depth>` +
    (lock.owner_xml ? `<D:owner>${lock.owner_xml}</D:owner>` : '') +
    `<D:timeout>Second-${Math.max(0, Math.round((new Date(lock.expires_at).getTime() - Date.now()) / 1000))}</D:timeout>` +
    `<D:locktoken><D:href>${TOKEN_PREFIX}${lock.token}</D:href></D:locktoken>` +
    `</D:activelock>`
  );
}

function httpDate(iso: string | undefined): string | undefined {
  return iso === undefined ? undefined : new Date(iso).toUTCString();
}

/** The live value of a property, or undefined where the resource has none (404 in the propstat). */
function liveValue(e: Entry, name: PropName): string | undefined {
  if (name.ns === OC_NS && name.local === 'checksums') {
    if (e.collection || (!e.sha1 && !e.md5)) return undefined;
    const sums = [e.sha1 && `SHA1:${e.sha1}`, e.md5 && `MD5:${e.md5}`].filter(Boolean).join(' ');
    return `<oc:checksum>${sums}</oc:checksum>`;
  }
  if (name.ns !== DAV_NS) return undefined;
  switch (name.local) {
    case 'resourcetype':
      return e.collection ? '<D:collection/>' : '';
    case 'displayname':
      return escapeXml(e.name);
    case 'getcontentlength':
      return e.collection ? undefined : String(e.size ?? 0);
    case 'getcontenttype':
      return e.collection ? undefined : escapeXml(e.mediaType || 'application/octet-stream');
    case 'getetag':
      return e.collection || !e.sha1 ? undefined : `"${e.sha1}"`;
    case 'getlastmodified':
      return httpDate(e.modified);
    case 'creationdate':
      return e.created;
    case 'supportedlock':
      return SUPPORTED_LOCK;
    case 'lockdiscovery':
      return e.locks.map(activeLockXml).join('');
    case 'quota-available-bytes':
      return e.quota && e.collection ? String(e.quota.available) : undefined;
    case 'quota-used-bytes':
      return e.quota && e.collection ? String(e.quota.used) : undefined;
  }
  return undefined;
}

function entryXml(e: Entry, req: PropRequest): string {
  const ok: string[] = [];
  const missing: string[] = [];
  if (req.kind === 'prop') {
    const deadByKey = new Map(e.dead.map((d) => [`${d.namespace}\0${d.name}`, d]));
    for (const name of req.names) {
      const live = liveValue(e, name);
      const dead = live === undefined ? deadByKey.get(`${name.ns}\0${name.local}`) : undefined;
      if (live !== undefined) ok.push(propElement(name, live));
      else if (dead) ok.push(propElement(name, dead.value));
      else missing.push(propElement(name, null));
    }
  } else {
    for (const name of ALLPROP_NAMES) {
      const live = liveValue(e, name);
      if (live !== undefined) ok.push(propElement(name, req.kind === 'propname' ? null : live));
    }
    for (const d of e.dead)
      ok.push(propElement({ ns: d.namespace, local: d.name }, req.kind === 'propname' ? null : d.value));
  }
  return responseXml(
    e.href,
    new Map([
      [200, ok],
      [404, missing],
    ]),
  );
}

function locksFor(lower: string, locks: DavLockRow[]): DavLockRow[] {
  return locks.filter(
    (l) => l.path_lower === lower || (l.deep && (l.path_lower === '' || lower.startsWith(`${l.path_lower}/`))),
  );
}

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Reads a small XML body as text (empty string: none). 413 past the cap. */
async function readXmlBody(req: Request): Promise<string> {
  const declared = req.headers['transfer-encoding'] === undefined ? req.headers['content-length'] : undefined;
  try {
    return await getRawBody(req, { limit: MAX_XML_BODY, encoding: 'utf8', length: declared });
  } catch (e) {
    if ((e as { type?: string }).type === 'entity.too.large')
      throw new AppError(ErrorCode.PayloadTooLarge, `WebDAV request bodies are limited to ${MAX_XML_BODY} bytes.`, {
        requestAbandoned: true,
      });
    throw badRequest('Could not read the request body.');
  }
}

/**
 * WebDAV (RFC 4918 class 1 and 2) at /dav/: `/dav/` lists the directories the caller may view,
 * `/dav/{directory}/…` is the directory's tree. This class owns the wire format (XML, headers,
 * statuses); DavService and the asset services own the rules. Credentials: Basic or an API key,
 * never the console's session cookie (see Access.directoryWithoutSession).
 */
@Controller()
@Access.directoryWithoutSession()
@UseFilters(DavErrorsFilter)
export class DavController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dav: DavService,
    private readonly downloads: AssetDownloadService,
  ) {}

  /**
   * Windows' mini-redirector asks the server's root (`OPTIONS /`) whether it speaks WebDAV before it
   * maps a folder below it; the answer names the protocol and nothing else.
   */
  @Options('/')
  serverOptions(@Res() res: Response): void {
    res.setHeader('DAV', '1, 2');
    res.setHeader('MS-Author-Via', 'DAV');
    res.setHeader('Allow', 'OPTIONS, GET, HEAD');
    res.status(200).setHeader('Content-Length', '0');
    res.end();
  }

  @All(['dav', 'dav/*rest'])
  async handle(@Actor() actor: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    const method = req.method.toUpperCase();
    res.setHeader('DAV', '1, 2');
    res.setHeader('MS-Author-Via', 'DAV');
    const url = parseDavPath(req.originalUrl);
    if (method === 'OPTIONS') {
      res.setHeader('Allow', DAV_METHODS.join(', '));
      res.status(200).setHeader('Content-Length', '0');
      res.end();
      return;
    }
    if (url.feedName === undefined) return this.root(actor, method, req, res);
    const r = await this.dav.resolve(actor, url);
    switch (method) {
      case 'PROPFIND':
        return this.propfind(actor, r, req, res);
      case 'GET':
      case 'HEAD':
        return this.get(actor, r, url, method, req, res);
      case 'PUT':
        return this.put(actor, r, url, req, res);
      case 'DELETE':
        return this.delete(actor, r, req, res);
      case 'MKCOL':
        return this.mkcol(actor, r, req, res);
      case 'COPY':
      case 'MOVE':
        return this.transfer(method === 'MOVE' ? 'move' : 'copy', actor, r, req, res);
      case 'PROPPATCH':
        return this.proppatch(actor, r, req, res);
      case 'LOCK':
        return this.lock(actor, r, req, res);
      case 'UNLOCK':
        return this.unlock(actor, r, req, res);
      default:
        throw new AppError(ErrorCode.MethodNotAllowed, `${method} is not a WebDAV method here.`, {
          allowedMethods: DAV_METHODS,
        });
    }
  }

  /** `/dav/`: the directories the caller may view, as a read-only collection. */
  private async root(actor: Principal, method: string, req: Request, res: Response): Promise<void> {
    // Clients send credentials only after a challenge: the root asks for them.
    if (actor.kind === 'anonymous')
      throw unauthorized('Authentication required: send a user name and password, or api and an API key.');
    const feeds = await this.dav.feedsFor(actor);
    if (method === 'PROPFIND') {
      const depth = this.depth(req, true);
      const request = this.propRequest(await readXmlBody(req));
      const self: Entry = { href: davHref(undefined, [], true), name: '', collection: true, dead: [], locks: [] };
      let out = MULTISTATUS_OPEN + entryXml(self, request);
      if (depth === 1)
        for (const f of feeds)
          out += entryXml(
            { href: davHref(f.name, [], true), name: f.name, collection: true, dead: [], locks: [] },
            request,
          );
      res
        .status(207)
        .type('application/xml; charset=utf-8')
        .send(out + MULTISTATUS_CLOSE);
      return;
    }
    if (method === 'GET' || method === 'HEAD') {
      if (!req.originalUrl.split('?')[0].endsWith('/')) return this.redirectToSlash(req, res);
      setHtmlIndexHeaders(res);
      res.status(200);
      if (method === 'HEAD') return void res.end();
      const entries = (async function* (): AsyncIterable<IndexEntry> {
        for (const f of feeds) yield { name: f.name, folder: true };
      })();
      await pipeline(htmlIndex({ title: '/dav/', parent: false }, entries), res);
      return;
    }
    throw new DavError(405, 'The root of /dav/ lists the directories; it cannot be changed.');
  }

  /** Depth: 0, 1 or infinity (PROPFIND refuses infinity: 403 propfind-finite-depth). */
  private depth(req: Request, propfind: boolean): 0 | 1 | 'infinity' {
    const raw = (header(req, 'depth') ?? 'infinity').trim().toLowerCase();
    if (raw === '0') return 0;
    if (raw === '1') return 1;
    if (raw !== 'infinity') throw badRequest('Depth must be 0, 1 or infinity.');
    if (propfind) throw new DavError(403, 'PROPFIND with Depth: infinity is not served.', 'propfind-finite-depth');
    return 'infinity';
  }

  private propRequest(body: string): PropRequest {
    if (body.trim() === '') return { kind: 'allprop' };
    const root = parseXml(body);
    if (root.ns !== DAV_NS || root.local !== 'propfind') throw badRequest('The body must be a DAV:propfind element.');
    if (child(root, DAV_NS, 'propname')) return { kind: 'propname' };
    if (child(root, DAV_NS, 'allprop')) return { kind: 'allprop' };
    const prop = child(root, DAV_NS, 'prop');
    if (!prop) throw badRequest('DAV:propfind needs DAV:prop, DAV:allprop or DAV:propname.');
    return { kind: 'prop', names: prop.children.map((c) => ({ ns: c.ns, local: c.local })) };
  }

  private async entryOf(r: DavResource, dead: DeadProperty[], locks: DavLockRow[]): Promise<Entry> {
    const row = r.row;
    return {
      href: davHref(r.feed.name, r.path.segments, r.collection),
      name: r.path.segments.length === 0 ? r.feed.name : r.path.name,
      collection: r.collection,
      size: row?.size === null || row?.size === undefined ? undefined : Number(row.size),
      mediaType: row?.media_type,
      sha1: row?.sha1,
      md5: row?.md5,
      // The directory's root has no row: its times are the directory's creation.
      created: new Date(row ? row.created_at : r.feed.createdAt).toISOString(),
      modified: new Date(row ? row.modified_at : r.feed.createdAt).toISOString(),
      lower: r.path.lower,
      dead,
      locks: locksFor(r.path.lower, locks),
      quota: r.collection ? await this.dav.quota(r.feed) : undefined,
    };
  }

  private async propfind(actor: Principal, r: DavResource, req: Request, res: Response) {
    const depth = this.depth(req, true);
    const request = this.propRequest(await readXmlBody(req));
    if (!r.exists) throw new DavError(404, `"${r.path.path}" was not found.`);
    const locks = await this.dav.locks.below(r.feed, r.path.lower);
    const self = await this.entryOf(r, await this.dav.deadProps(r), locks);
    res.status(207).type('application/xml; charset=utf-8');
    if (depth === 0 || !r.collection) {
      res.send(MULTISTATUS_OPEN + entryXml(self, request) + MULTISTATUS_CLOSE);
      return;
    }
    const dead =
      request.kind === 'prop' && request.names.every((n) => n.ns === DAV_NS || n.ns === OC_NS)
        ? new Map<string, DeadProperty[]>()
        : await this.dav.deadPropsOfChildren(r);
    const rows = await this.dav.children(actor, r);
    const hideMac = this.dav.macFilesHidden();
    const feedName = r.feed.name;
    const quota = self.quota;
    res.write(MULTISTATUS_OPEN + entryXml(self, request));
    // Streamed from the listing's cursor, a batch of responses per write, waiting when the client is slow.
    let buffered = '';
    for await (const row of rows as AsyncIterable<ListedItemRow>) {
      if (hideMac && isMacMetadataName(row.name)) continue;
      const lower = row.path.toLowerCase();
      const collection = row.kind === 'dir';
      buffered += entryXml(
        {
          href: davHref(feedName, row.path.split('/'), collection),
          name: row.name,
          collection,
          size: row.size === null ? undefined : Number(row.size),
          mediaType: row.media_type,
          sha1: row.sha1,
          md5: row.md5,
          created: row.created_at,
          modified: row.modified_at,
          dead: dead.get(lower) ?? [],
          locks: locks.length === 0 ? [] : locksFor(lower, locks),
          quota,
        },
        request,
      );
      if (buffered.length > 64 * 1024) {
        const more = res.write(buffered);
        buffered = '';
        // A client that went away never drains: its close ends the listing (and releases the cursor).
        if (!more) await Promise.race([once(res, 'drain'), once(res, 'close')]);
        if (res.destroyed) return;
      }
    }
    res.end(buffered + MULTISTATUS_CLOSE);
  }

  private redirectToSlash(req: Request, res: Response): void {
    const [path, query] = req.originalUrl.split('?');
    res.status(301).setHeader('Location', `${path}/${query === undefined ? '' : `?${query}`}`);
    res.end();
  }

  private async get(actor: Principal, r: DavResource, url: DavUrl, method: string, req: Request, res: Response) {
    if (!r.exists) throw new DavError(404, `"${r.path.path}" was not found.`);
    if (r.collection) {
      if (!url.trailingSlash) return this.redirectToSlash(req, res);
      const rows = await this.dav.children(actor, r);
      setHtmlIndexHeaders(res);
      res.status(200);
      if (method === 'HEAD') {
        rows.destroy();
        return void res.end();
      }
      const hideMac = this.dav.macFilesHidden();
      const entries = (async function* (): AsyncIterable<IndexEntry> {
        for await (const row of rows as AsyncIterable<ListedItemRow>) {
          if (hideMac && isMacMetadataName(row.name)) continue;
          yield {
            name: row.name,
            folder: row.kind === 'dir',
            size: row.size === null ? null : Number(row.size),
            modified: row.modified_at,
          };
        }
      })();
      const title = davHref(r.feed.name, r.path.segments, true);
      await pipeline(htmlIndex({ title, parent: true }, entries), res).catch((e) => {
        if (!res.destroyed) throw e;
      });
      return;
    }
    const object = await this.downloads.resolve(actor, r, { head: method === 'HEAD', attachment: false });
    await sendStoredObject(req, res, object);
  }

  /** The If header, checked (412 when no list holds), and the lock tokens it submits. */
  private async preconditions(
    actor: Principal,
    req: Request,
    r: DavResource,
  ): Promise<{ tokens: Set<string>; holds: boolean }> {
    const raw = header(req, 'if');
    if (raw === undefined) return { tokens: new Set(), holds: true };
    const lists = parseIfHeader(raw);
    const states = new Map<string, Promise<ResourceState | undefined>>();
    const stateOf = (resource: string | undefined): Promise<ResourceState | undefined> => {
      const key = resource ?? '';
      let s = states.get(key);
      if (!s) {
        s = (async () => {
          if (resource === undefined) return this.dav.locks.state(r.feed, r.path.lower, etagOf(r));
          let path = resource;
          const m = /^https?:\/\/[^/]+(\/.*)?$/i.exec(resource);
          if (m) path = m[1] ?? '/';
          try {
            const u = parseDavPath(path);
            if (u.feedName === undefined) return undefined;
            const other = await this.dav.resolve(actor, u);
            return await this.dav.locks.state(other.feed, other.path.lower, etagOf(other));
          } catch {
            return undefined;
          }
        })();
        states.set(key, s);
      }
      return s;
    };
    let any = false;
    for (const list of lists) {
      const state = await stateOf(list.resource);
      if (state && list.conditions.every((c) => conditionHolds(c, state) !== c.not)) {
        any = true;
        break;
      }
    }
    return { tokens: submittedTokens(lists), holds: any };
  }

  /** The If header's verdict first (412 when no list holds), then the locks (423 without a token). */
  private async writeChecks(
    actor: Principal,
    req: Request,
    r: DavResource,
    opts: { parent?: boolean; below?: boolean },
  ): Promise<void> {
    const { tokens, holds } = await this.preconditions(actor, req, r);
    if (!holds) throw new DavError(412, 'No list of the If header holds.');
    await this.dav.locks.assertUnlocked(actor, r.feed, r.path.lower, tokens, opts);
  }

  private async put(actor: Principal, r: DavResource, url: DavUrl, req: Request, res: Response) {
    if (r.collection || url.trailingSlash) throw new DavError(405, 'PUT on a collection: use MKCOL for folders.');
    // A partial PUT would replace the file with the part (RFC 9110 §14.5): refused.
    if (req.headers['content-range'] !== undefined)
      throw badRequest('PUT with Content-Range (a partial update) is not supported: send the whole file.');
    await this.writeChecks(actor, req, r, { parent: !r.exists });
    httpPreconditions(req, r);
    const outcome = await this.dav.put(actor, r, requestBody(req), header(req, 'content-type'), declaredLength(req));
    res.status(outcome === 'created' ? 201 : 204).end();
  }

  private async delete(actor: Principal, r: DavResource, req: Request, res: Response) {
    if (!r.exists) throw new DavError(404, `"${r.path.path}" was not found.`);
    if (r.path.segments.length === 0) throw new DavError(403, 'A directory root cannot be deleted over WebDAV.');
    await this.writeChecks(actor, req, r, { parent: true, below: true });
    await this.dav.delete(actor, r);
    res.status(204).end();
  }

  private async mkcol(actor: Principal, r: DavResource, req: Request, res: Response) {
    const hasBody =
      (declaredLength(req) ?? 0) > 0 ||
      (req.headers['transfer-encoding'] !== undefined && (await readXmlBody(req)) !== '');
    if (hasBody) throw new DavError(415, 'MKCOL with a body is not supported.');
    if (r.exists) throw new DavError(405, `"${r.path.path}" already exists.`);
    await this.writeChecks(actor, req, r, { parent: true });
    await this.dav.mkcol(actor, r);
    res.status(201).end();
  }

  private async transfer(kind: 'move' | 'copy', actor: Principal, src: DavResource, req: Request, res: Response) {
    const ours = [header(req, 'host'), new URL(baseUrlOf(this.config, req)).host].filter((h) => h !== undefined);
    const destUrl = parseDestination(header(req, 'destination'), ours);
    if (destUrl.feedName === undefined) throw new DavError(403, 'The root of /dav/ cannot be a destination.');
    if (!src.exists) throw new DavError(404, `"${src.path.path}" was not found.`);
    const overwriteRaw = (header(req, 'overwrite') ?? 'T').trim().toUpperCase();
    if (overwriteRaw !== 'T' && overwriteRaw !== 'F') throw badRequest('Overwrite must be T or F.');
    const depth = this.depth(req, false);
    if (depth === 1 || (kind === 'move' && depth !== 'infinity' && src.collection))
      throw badRequest(`${kind.toUpperCase()} of a collection takes Depth: infinity${kind === 'copy' ? ' or 0' : ''}.`);
    const dest = await this.dav.resolve(actor, destUrl);
    if (kind === 'move') await this.writeChecks(actor, req, src, { parent: true, below: true });
    else if (!(await this.preconditions(actor, req, src)).holds)
      throw new DavError(412, 'No list of the If header holds.');
    const { tokens } = await this.preconditions(actor, req, dest);
    await this.dav.locks.assertUnlocked(actor, dest.feed, dest.path.lower, tokens, { parent: true, below: true });
    const outcome = await this.dav.transfer(kind, actor, src, dest, {
      overwrite: overwriteRaw === 'T',
      shallow: depth === 0,
    });
    res.status(outcome === 'created' ? 201 : 204).end();
  }

  private async proppatch(actor: Principal, r: DavResource, req: Request, res: Response) {
    await this.dav.requirePropertyWrite(actor, r);
    const body = await readXmlBody(req);
    const root = parseXml(body);
    if (root.ns !== DAV_NS || root.local !== 'propertyupdate')
      throw badRequest('The body must be a DAV:propertyupdate element.');
    await this.writeChecks(actor, req, r, {});
    const ops: PropertyChange[] = [];
    const results: { name: PropName; status: number }[] = [];
    for (const op of root.children) {
      if (op.ns !== DAV_NS || (op.local !== 'set' && op.local !== 'remove')) continue;
      const prop = child(op, DAV_NS, 'prop');
      for (const p of prop?.children ?? []) {
        const name = { ns: p.ns, local: p.local };
        let status = 200;
        if (p.ns === DAV_NS && PROTECTED.has(p.local)) status = 403;
        else if (p.local.length > 255 || p.ns.length > 1024) status = 400;
        else if (op.local === 'set') {
          const value = innerXml(p);
          if (value.length > MAX_DEAD_VALUE_CHARS) status = 507;
          else ops.push({ namespace: p.ns, name: p.local, value });
        } else ops.push({ namespace: p.ns, name: p.local });
        results.push({ name, status });
      }
    }
    const failed = results.some((x) => x.status !== 200);
    if (!failed) await this.dav.applyProperties(r, ops);
    const groups = new Map<number, string[]>();
    for (const x of results) {
      const status = failed && x.status === 200 ? 424 : x.status;
      groups.set(status, [...(groups.get(status) ?? []), propElement(x.name, null)]);
    }
    res
      .status(207)
      .type('application/xml; charset=utf-8')
      .send(
        MULTISTATUS_OPEN + responseXml(davHref(r.feed.name, r.path.segments, r.collection), groups) + MULTISTATUS_CLOSE,
      );
  }

  private timeout(req: Request): number {
    const raw = header(req, 'timeout');
    if (!raw) return DEFAULT_LOCK_SECONDS;
    for (const part of raw.split(',')) {
      const t = part.trim();
      if (/^infinite$/i.test(t)) return MAX_LOCK_SECONDS;
      const m = /^second-(\d+)$/i.exec(t);
      if (m) return Math.max(1, Math.min(MAX_LOCK_SECONDS, Number(m[1])));
    }
    return DEFAULT_LOCK_SECONDS;
  }

  private async lock(actor: Principal, r: DavResource, req: Request, res: Response) {
    const body = await readXmlBody(req);
    const timeout = this.timeout(req);
    if (body.trim() === '') {
      const raw = header(req, 'if');
      if (!raw) throw badRequest('A LOCK without a body refreshes a lock: send its token in an If header.');
      const lock = await this.dav.locks.refresh(actor, r.feed, r.path.lower, parseIfHeader(raw), timeout);
      this.sendLock(res, 200, lock);
      return;
    }
    const info = parseXml(body);
    if (info.ns !== DAV_NS || info.local !== 'lockinfo') throw badRequest('The body must be a DAV:lockinfo element.');
    const scope = child(info, DAV_NS, 'lockscope');
    const exclusive = scope ? child(scope, DAV_NS, 'exclusive') !== undefined : true;
    if (scope && !exclusive && !child(scope, DAV_NS, 'shared'))
      throw badRequest('lockscope must be exclusive or shared.');
    const type = child(info, DAV_NS, 'locktype');
    if (type && !child(type, DAV_NS, 'write')) throw new DavError(422, 'Only write locks are supported.');
    const owner = child(info, DAV_NS, 'owner');
    const depth = this.depth(req, false);
    if (depth === 1) throw badRequest('LOCK takes Depth: 0 or infinity.');
    if (!(await this.preconditions(actor, req, r)).holds) throw new DavError(412, 'No list of the If header holds.');
    const lock = await this.dav.locks.lock(actor, r.feed, r.path, {
      exclusive,
      deep: depth === 'infinity',
      ownerXml: owner ? innerXml(owner) : '',
      timeoutSeconds: timeout,
    });
    let created = false;
    if (!r.exists) {
      try {
        await this.dav.createEmpty(actor, r);
        created = true;
      } catch (e) {
        await this.dav.locks.unlock(actor, r.feed, r.path.lower, TOKEN_PREFIX + lock.token).catch(() => undefined);
        throw e;
      }
    }
    res.setHeader('Lock-Token', `<${TOKEN_PREFIX}${lock.token}>`);
    this.sendLock(res, created ? 201 : 200, lock);
  }

  private sendLock(res: Response, status: number, lock: DavLockRow) {
    res
      .status(status)
      .type('application/xml; charset=utf-8')
      .send(`${XML_HEAD}<D:prop xmlns:D="DAV:"><D:lockdiscovery>${activeLockXml(lock)}</D:lockdiscovery></D:prop>\n`);
  }

  private async unlock(actor: Principal, r: DavResource, req: Request, res: Response) {
    const raw = header(req, 'lock-token')?.trim();
    const m = raw ? /^<([^>]+)>$/.exec(raw) : null;
    if (!m) throw badRequest('UNLOCK needs a Lock-Token header: <opaquelocktoken:…>.');
    await this.dav.locks.unlock(actor, r.feed, r.path.lower, m[1]);
    res.status(204).end();
  }
}

/** HTTP's own conditional write (RFC 9110 §13.1.1-2): If-Match and If-None-Match against the file's ETag. */
function httpPreconditions(req: Request, r: DavResource): void {
  const tags = (name: string) =>
    header(req, name)
      ?.split(',')
      .map((t) => t.trim().replace(/^W\//, ''))
      .filter((t) => t !== '');
  const etag = etagOf(r);
  const ifMatch = tags('if-match');
  if (ifMatch && !(r.exists && (ifMatch.includes('*') || (etag !== undefined && ifMatch.includes(etag)))))
    throw new DavError(412, 'If-Match: the file is not the one named.');
  const ifNoneMatch = tags('if-none-match');
  if (ifNoneMatch && r.exists && (ifNoneMatch.includes('*') || (etag !== undefined && ifNoneMatch.includes(etag))))
    throw new DavError(412, 'If-None-Match: the file exists.');
}

function etagOf(r: DavResource): string | undefined {
  return r.row?.sha1 ? `"${r.row.sha1}"` : undefined;
}

function conditionHolds(c: IfList['conditions'][number], state: ResourceState): boolean {
  if (c.token !== undefined) return state.tokens.has(c.token);
  if (c.etag !== undefined) return state.etag !== undefined && c.etag.replace(/^W\//, '') === state.etag;
  return false;
}
