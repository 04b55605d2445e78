import { All, Controller, Inject, Req, Res, UseFilters } from '@nestjs/common';
import { ErrorCode } from '@stockroom/contracts';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { Access } from '../../common/auth/access.decorator';
import { Actor } from '../../common/auth/actor.decorator';
import type { Principal } from '../../common/auth/principal';
import { PlainTextErrorsFilter } from '../../common/errors/all-exceptions.filter';
import { AppError } from '../../common/errors/app-error';
import { attachmentDisposition } from '../../common/http/attachment';
import { baseUrlOf } from '../../common/http/base-url';
import { compressAnswer } from '../../common/http/compress-json';
import { declaredLength, requestBody } from '../../common/http/client-limits';
import { Query } from '../../common/http/query';
import { setUserContentHeaders } from '../../common/http/content-safety';
import { jsonArray } from '../../common/http/json-array';
import { readJsonBody } from '../../common/http/read-body';
import { sendStoredObject } from '../../common/http/send-stored-object';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { FeedsService } from '../feeds/feeds.service';
import { AssetArchiveService } from './asset-archive.service';
import { AssetDownloadService } from './asset-download.service';
import { toAssetItem } from './asset-item.mapper';
import type { ListedItemRow } from './asset-item.row';
import type { AssetTarget } from './asset-target';
import { parseEndpointsUrl } from './endpoints-url';
import { AssetUploadService, MultipartPart, UploadMode } from './asset-upload.service';
import { AssetsService } from './assets.service';
import { AssetTransferService } from './asset-transfer.service';
import { parseMetadataUpdate } from './metadata-update';
import { parseTransferRequest } from './transfer-request';
import { FileHistoryService } from './file-history.service';
import { toFileVersion } from './asset-version.mapper';

/** The operations under `/endpoints/{directory}/` (spec §2); the authorization matrix covers each. */
export const ENDPOINT_OPERATIONS = [
  'content',
  'dir',
  'delete',
  'metadata',
  'export',
  'import',
  'move',
  'copy',
  'versions',
  'restore',
] as const;

const UPLOAD_MODES: Record<string, UploadMode> = { POST: 'upsert', PUT: 'create', PATCH: 'overwrite' };

function methodNotAllowed(...allowedMethods: string[]): AppError {
  const allowed = allowedMethods.join(', ');
  return new AppError(ErrorCode.MethodNotAllowed, `Method not allowed here; use ${allowed}.`, { allowedMethods });
}

const MULTIPART_ID = /^[A-Za-z0-9_-]{1,100}$/;

function invalidMultipart(message: string): AppError {
  return new AppError(ErrorCode.InvalidMultipart, message);
}

/** The client's name for a chunked upload (`id=`). */
function multipartId(query: Query): string {
  const id = query.get('id') ?? '';
  if (!MULTIPART_ID.test(id))
    throw invalidMultipart('Invalid multipart "id": use 1-100 characters of A-Z a-z 0-9 - _.');
  return id;
}

function multipartInt(query: Query, name: keyof MultipartPart, min: number): number {
  const raw = query.get(name);
  if (raw === undefined || raw.trim() === '') throw invalidMultipart(`Missing multipart argument "${name}".`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    throw invalidMultipart(`Invalid multipart argument ${name}=${JSON.stringify(raw)}: expected an integer ≥ ${min}.`);
  }
  return value;
}

/** `multipart=upload&id=&index=&offset=&totalSize=&partSize=&totalParts=` (spec §4). */
function multipartPart(query: Query): MultipartPart {
  return {
    id: multipartId(query),
    index: multipartInt(query, 'index', 0),
    offset: multipartInt(query, 'offset', 0),
    totalSize: multipartInt(query, 'totalSize', 0),
    partSize: multipartInt(query, 'partSize', 0),
    totalParts: multipartInt(query, 'totalParts', 1),
  };
}

/**
 * [ext] `version=n` of file history. Anything but a positive integer names no version: 404, as an
 * unknown number is (issue 17). Not read on a signed URL, whose `version` is the SHA-1 of the content
 * it was made for.
 */
function historyVersion(query: Query): number | undefined {
  const raw = query.get('version');
  if (raw === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(raw) || Number(raw) < 1)
    throw new AppError(
      ErrorCode.NotFound,
      `There is no version ${JSON.stringify(raw)}: versions are numbered with positive integers (version=1, 2, …).`,
    );
  return Number(raw);
}

/**
 * The ProGet-compatible asset API, `/endpoints/{directory}/{operation}/{path}` (spec §2). The path
 * is taken from the raw URL so that percent-decoding happens exactly once, per segment.
 */
@Controller('endpoints')
@Access.directory()
@UseFilters(PlainTextErrorsFilter)
export class EndpointsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly feeds: FeedsService,
    private readonly assets: AssetsService,
    private readonly uploads: AssetUploadService,
    private readonly downloads: AssetDownloadService,
    private readonly archives: AssetArchiveService,
    private readonly transfers: AssetTransferService,
    private readonly history: FileHistoryService,
  ) {}

  @All(['*rest'])
  async handle(@Actor() actor: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { feedName, operation: op, segments, query } = parseEndpointsUrl(req.originalUrl);
    const feed = await this.feeds.require(actor, feedName);
    const target: AssetTarget = { feed, path: await this.assets.resolvePath(feed, segments) };
    const method = req.method.toUpperCase();
    if (actor.signedUrl) {
      // The guard let the signature through for a GET or HEAD of content; it names one file only.
      if (op !== 'content' || target.path.lower !== actor.signedUrl.path) {
        throw new AppError(ErrorCode.Forbidden, 'A signed URL only downloads the file it was made for.');
      }
      // The URL is the credential, and it is no secret from pages that hold it.
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Access-Control-Expose-Headers', 'Content-Range, Content-Length, ETag');
    }

    switch (op) {
      case 'content':
        return this.content(actor, target, method, query, req, res);
      case 'dir':
        if ((method === 'GET' || method === 'HEAD') && query.bool('upstream')) {
          // [ext] The upstream's folder (a connector of type "stockroom"): what could be fetched.
          const items = await this.downloads.listUpstream(actor, target, this.contentBase(req, feed.name));
          compressAnswer(req, res);
          res.status(200).json(items);
          return;
        }
        if (method === 'GET' || method === 'HEAD') {
          const rows = await this.assets.list(actor, target, query.bool('recursive'));
          const contentBase = this.contentBase(req, feed.name);
          res.status(200).type('application/json; charset=utf-8');
          compressAnswer(req, res);
          if (method === 'HEAD') {
            // The headers are all a HEAD gets: those of a streamed GET (same encoding), no listing read.
            rows.destroy();
            res.flushHeaders();
            res.end();
            return;
          }
          await pipeline(
            rows,
            jsonArray((row: ListedItemRow) => toAssetItem(row, contentBase)),
            res,
          );
          return;
        }
        if (method === 'POST') {
          await this.assets.createFolder(actor, target);
          res.status(201).end();
          return;
        }
        throw methodNotAllowed('GET', 'POST');
      case 'delete':
        if (method !== 'POST' && method !== 'DELETE') throw methodNotAllowed('POST');
        await this.assets.delete(actor, target, { recursive: query.bool('recursive'), fileOnly: false });
        res.status(200).end();
        return;
      case 'metadata':
        if (method === 'GET' || method === 'HEAD') {
          const item = await this.assets.getMetadata(actor, target);
          compressAnswer(req, res);
          res.status(200).json(toAssetItem(item, this.contentBase(req, feed.name)));
          return;
        }
        if (method === 'POST') {
          await this.assets.updateMetadata(actor, target, parseMetadataUpdate(await readJsonBody(req, 256 * 1024)));
          res.status(200).end();
          return;
        }
        throw methodNotAllowed('GET', 'POST');
      case 'export': {
        if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed('GET');
        const archive = await this.archives.export(actor, target, query.get('format'), query.bool('recursive'));
        res.status(200);
        res.setHeader('Content-Type', archive.mediaType);
        res.setHeader('Content-Disposition', attachmentDisposition(archive.fileName));
        setUserContentHeaders(res); // an archive of user files is user content too
        if (method === 'HEAD') {
          archive.body.destroy();
          res.end();
          return;
        }
        await pipeline(archive.body, res).catch((e) => {
          if (!res.destroyed) throw e;
        });
        return;
      }
      case 'versions': {
        if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed('GET');
        const rows = await this.history.list(actor, target, query.bool('deleted'));
        compressAnswer(req, res);
        res.status(200).json(rows.map((row) => toFileVersion(row, query.bool('deleted'))));
        return;
      }
      case 'restore': {
        if (method !== 'POST') throw methodNotAllowed('POST');
        const version = historyVersion(query);
        if (version === undefined)
          throw new AppError(ErrorCode.BadRequest, 'Missing "version": name the version to restore (version=n).');
        res.status(200).json(await this.history.restore(actor, target, version));
        return;
      }
      case 'import': {
        if (method !== 'POST' && method !== 'PUT') throw methodNotAllowed('POST');
        const result = await this.archives.import(actor, target, {
          format: query.get('format'),
          overwrite: query.bool('overwrite'),
          body: requestBody(req),
          contentLength: declaredLength(req),
        });
        res.status(200).json(result);
        return;
      }
      case 'move':
      case 'copy': {
        if (method !== 'POST') throw methodNotAllowed('POST');
        const request = parseTransferRequest(await readJsonBody(req, 64 * 1024));
        const result =
          op === 'move'
            ? await this.transfers.move(actor, target, request)
            : await this.transfers.copy(actor, target, request);
        // 201: the target came into being; 200: a file there was replaced.
        res.status(result.replaced ? 200 : 201).json(result);
        return;
      }
      default:
        throw new AppError(ErrorCode.NotFound, `Unknown endpoint "${op}": use ${ENDPOINT_OPERATIONS.join(', ')}.`);
    }
  }

  private async content(
    actor: Principal,
    target: AssetTarget,
    method: string,
    query: Query,
    req: Request,
    res: Response,
  ): Promise<void> {
    const multipart = query.get('multipart')?.toLowerCase();
    if (method === 'GET' || method === 'HEAD') {
      if (multipart === 'status') {
        const status = await this.uploads.multipartStatus(actor, target, multipartId(query));
        compressAnswer(req, res);
        res.status(200).json(status);
        return;
      }
      const version = actor.signedUrl ? undefined : historyVersion(query);
      const object =
        version !== undefined
          ? await this.downloads.resolveVersion(actor, target, version, {
              head: method === 'HEAD',
              attachment: query.bool('download'),
            })
          : await this.downloads.resolve(actor, target, {
              head: method === 'HEAD',
              attachment: query.bool('download'),
              version: actor.signedUrl?.version,
            });
      await sendStoredObject(req, res, object);
      return;
    }
    if (method === 'DELETE') {
      await this.assets.delete(actor, target, { recursive: false, fileOnly: true });
      res.status(200).end();
      return;
    }
    const mode = UPLOAD_MODES[method];
    if (!mode) throw methodNotAllowed('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE');
    const upload = {
      body: requestBody(req),
      contentType: req.headers['content-type'],
      contentLength: declaredLength(req),
    };
    if (multipart === 'upload' && method === 'POST') {
      await this.uploads.uploadPart(actor, target, multipartPart(query), upload);
      res.status(200).end();
    } else if (multipart === 'complete' && method === 'POST') {
      await this.uploads.completeMultipart(actor, target, multipartId(query));
      res.status(200).end();
    } else if (multipart === 'abort' && method === 'POST') {
      await this.uploads.abortMultipart(actor, target, multipartId(query));
      res.status(200).end();
    } else if (multipart !== undefined && multipart !== '') {
      throw invalidMultipart(`Unknown multipart operation "${multipart}": use upload, complete or abort.`);
    } else {
      await this.uploads.upload(actor, target, mode, upload);
      res.status(201).end();
    }
  }

  /** Absolute base of `content` links: configured, or from the request (proxy headers if trusted). */
  private contentBase(req: Request, feedName: string): string {
    return `${baseUrlOf(this.config, req)}/endpoints/${encodeURIComponent(feedName)}/content`;
  }
}
