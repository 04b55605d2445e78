import type { OperationObject, ParameterObject, PathsObject, ResponseObject } from '@nestjs/swagger';
import { Privilege } from '@stockroom/contracts';
import { ENDPOINT_OPERATIONS } from '../modules/assets/endpoints.controller';
import { schemaRef, type SchemaName } from './response-schemas';

/*
 * The ProGet-compatible asset API (spec §2, /work/shared/spec/asset-api.md) for the OpenAPI
 * document. One hand-written controller serves it by decoding the raw path
 * (`EndpointsController`), so Nest's scanner sees only `ALL /endpoints/*rest`: its operations are
 * described here instead, as a typed table, and merged into the document. The OpenAPI e2e test
 * checks this table against the operations the controller serves.
 */

export type EndpointOperation = (typeof ENDPOINT_OPERATIONS)[number];
export type EndpointMethod = 'get' | 'head' | 'post' | 'put' | 'patch' | 'delete';

interface QueryParam {
  name: string;
  description: string;
  type?: 'string' | 'integer' | 'boolean';
  enum?: string[];
  required?: boolean;
}

interface EndpointResponse {
  description: string;
  /** A JSON body of this schema (an array of it with `array`). */
  json?: SchemaName;
  array?: boolean;
  /** A body of another media type. */
  binary?: string[];
  headers?: string[];
}

export interface EndpointRoute {
  operation: EndpointOperation;
  method: EndpointMethod;
  /** The privilege on the directory the request needs (spec §9). */
  privilege: Privilege;
  summary: string;
  description?: string;
  query?: QueryParam[];
  /** The request body: raw bytes, an archive or JSON. */
  body?: 'bytes' | 'archive' | SchemaName;
  responses: Record<number, EndpointResponse>;
  /** Failures beyond 401/403/404, as text/plain. */
  errors?: Record<number, string>;
}

const lenient = 'A value starting with `true` (any case) is true; anything else is false.';
const bool = (name: string, description: string): QueryParam => ({
  name,
  description: `${description} ${lenient}`,
  type: 'boolean',
});
const multipartId: QueryParam = {
  name: 'id',
  description: "The client's name for the upload: 1-100 characters of `A-Z a-z 0-9 - _`.",
  required: true,
};
/** [ext] A signed URL (`POST /api/signed-urls`) carries its own credential in the query. */
const signedUrl: QueryParam[] = [
  { name: 'expires', description: '[ext] Signed URLs: when the signature expires.' },
  {
    name: 'version',
    description:
      '[ext] File history: the kept version `n` to serve (a positive integer; 404 for anything else and for an unknown number). ' +
      'On a signed URL: the SHA-1 of the content it downloads.',
  },
  { name: 'signature', description: '[ext] Signed URLs: the signature (no other credential is read).' },
];
const downloadHeaders = ['Content-Length', 'ETag', 'Last-Modified', 'Accept-Ranges', 'Cache-Control'];

const { View, Download, Add, Overwrite, Delete } = Privilege;

/** Every method of every operation under `/endpoints/{directory}/`, as the controller serves them. */
export const ENDPOINT_ROUTES: readonly EndpointRoute[] = [
  {
    operation: 'content',
    method: 'get',
    privilege: Download,
    summary: 'Download a file (or, [ext] with `multipart=status`, the state of a chunked upload)',
    description:
      'Single byte ranges (`Range: bytes=a-b`), `If-None-Match`, `If-Modified-Since` and `If-Range` are honoured. ' +
      'With `multipart=status&id=` [ext]: the parts received so far (needs Add), so a client can resume. ' +
      '[ext] In a directory with a connector, a file it lacks is fetched from the upstream once and streamed as it ' +
      'arrives (no ETag or ranges on that first answer); 502/504 when the upstream fails.',
    query: [
      bool('download', '[ext] Adds `Content-Disposition: attachment`.'),
      { name: 'multipart', description: '[ext] `status`: the state of a chunked upload.', enum: ['status'] },
      { ...multipartId, required: false, description: `With \`multipart=status\`: ${multipartId.description}` },
      ...signedUrl,
    ],
    responses: {
      200: { description: 'The file', binary: ['*/*'], headers: downloadHeaders, json: 'MultipartStatus' },
      206: { description: 'The requested range', binary: ['*/*'], headers: ['Content-Range', ...downloadHeaders] },
      304: { description: 'Not modified (a validator matched)' },
    },
    errors: {
      400: 'The path is a folder.',
      416: 'The range cannot be satisfied.',
      502: "[ext] The connector's upstream failed, or its file is over the upload limit.",
      504: "[ext] The connector's upstream did not answer in time.",
      507: "[ext] The upstream's file does not fit in the directory's quota.",
    },
  },
  {
    operation: 'content',
    method: 'head',
    privilege: View,
    summary: 'Headers of a download, no body',
    query: [bool('download', '[ext] Adds `Content-Disposition: attachment`.'), ...signedUrl],
    responses: {
      200: { description: 'The headers of the file', headers: downloadHeaders },
      304: { description: 'Not modified (a validator matched)' },
    },
    errors: { 400: 'The path is a folder.' },
  },
  {
    operation: 'content',
    method: 'post',
    privilege: Add,
    summary: 'Create or overwrite a file from the raw body; or one step of a chunked upload (`multipart=`)',
    description:
      'Without `multipart`: the body is the file (not multipart/form-data); Overwrite is needed to replace a file. ' +
      '`multipart=upload&id=&index=&offset=&totalSize=&partSize=&totalParts=`: one part of exactly `partSize` bytes (200). ' +
      '`multipart=complete&id=`: the file appears, atomically (200). `multipart=abort&id=` [ext]: the parts are dropped (200).',
    query: [
      {
        name: 'multipart',
        description: 'A step of a chunked upload (spec §4).',
        enum: ['upload', 'complete', 'abort'],
      },
      { ...multipartId, required: false, description: `With \`multipart\`: ${multipartId.description}` },
      { name: 'index', type: 'integer', description: 'Zero-based index of the part.' },
      { name: 'offset', type: 'integer', description: "The part's byte offset in the file." },
      { name: 'totalSize', type: 'integer', description: "The file's length." },
      { name: 'partSize', type: 'integer', description: "This part's length." },
      { name: 'totalParts', type: 'integer', description: 'How many parts the file has (1 or more).' },
    ],
    body: 'bytes',
    responses: {
      200: { description: 'A part was stored, or the upload completed or aborted' },
      201: { description: 'Stored' },
    },
    errors: { 400: 'Bad path, the path is a folder, or inconsistent multipart arguments.', 413: 'Too large.' },
  },
  {
    operation: 'content',
    method: 'put',
    privilege: Add,
    summary: 'Create a file (only if it does not exist)',
    body: 'bytes',
    responses: { 201: { description: 'Stored' } },
    errors: { 400: 'Already exists, bad path, or the path is a folder.', 413: 'Too large.' },
  },
  {
    operation: 'content',
    method: 'patch',
    privilege: Overwrite,
    summary: 'Overwrite a file (only if it exists)',
    body: 'bytes',
    responses: { 201: { description: 'Stored' } },
    errors: { 400: 'Bad path or the path is a folder.', 413: 'Too large.' },
  },
  {
    operation: 'content',
    method: 'delete',
    privilege: Delete,
    summary: 'Delete a file',
    responses: { 200: { description: 'Deleted, or there was nothing to delete' } },
    errors: { 400: 'The path is a folder.' },
  },
  {
    operation: 'dir',
    method: 'get',
    privilege: View,
    summary: 'List a folder (a JSON array, streamed; `[]` when the folder does not exist)',
    query: [
      bool('recursive', 'Every descendant, flat, each with its `parent`.'),
      bool(
        'upstream',
        "[ext] The folder of the directory's `stockroom` connector upstream instead (400 for an `http` one); unsafe names dropped.",
      ),
    ],
    responses: { 200: { description: 'The items, folders first, then files', json: 'AssetItem', array: true } },
  },
  {
    operation: 'dir',
    method: 'head',
    privilege: View,
    summary: 'Headers of a listing',
    query: [bool('recursive', 'Every descendant.')],
    responses: { 200: { description: 'The headers of the listing' } },
  },
  {
    operation: 'dir',
    method: 'post',
    privilege: Add,
    summary: 'Create a folder and its parents (no error if it exists)',
    responses: { 201: { description: 'The folder exists' } },
    errors: { 400: 'A file is in the way.' },
  },
  {
    operation: 'delete',
    method: 'post',
    privilege: Delete,
    summary: 'Delete a file or a folder',
    query: [bool('recursive', 'Delete a folder with everything under it.')],
    responses: { 200: { description: 'Deleted, or there was nothing to delete' } },
    errors: { 400: 'The folder is not empty and `recursive` is false.' },
  },
  {
    operation: 'delete',
    method: 'delete',
    privilege: Delete,
    summary: 'Delete a file or a folder (as `POST delete/{path}`)',
    query: [bool('recursive', 'Delete a folder with everything under it.')],
    responses: { 200: { description: 'Deleted, or there was nothing to delete' } },
    errors: { 400: 'The folder is not empty and `recursive` is false.' },
  },
  {
    operation: 'metadata',
    method: 'get',
    privilege: View,
    summary: "One item's JSON (file or folder)",
    responses: { 200: { description: 'The item', json: 'AssetItem' } },
  },
  {
    operation: 'metadata',
    method: 'head',
    privilege: View,
    summary: "Headers of an item's JSON",
    responses: { 200: { description: 'The headers' } },
  },
  {
    operation: 'metadata',
    method: 'post',
    privilege: Add,
    summary: 'Update the media type, user metadata and cache setting (spec §5)',
    body: 'AssetMetadataUpdate',
    responses: { 200: { description: 'Updated' } },
    errors: { 400: 'A bad body.' },
  },
  {
    operation: 'export',
    method: 'get',
    privilege: Download,
    summary: 'Stream a folder (empty path: the whole directory) as an archive',
    query: [
      { name: 'format', description: 'The archive format.', enum: ['zip', 'tgz'] },
      bool('recursive', "The whole subtree; false: only the folder's own files."),
    ],
    responses: {
      200: {
        description: 'The archive',
        binary: ['application/zip', 'application/gzip'],
        headers: ['Content-Disposition'],
      },
    },
    errors: { 400: 'A bad format.' },
  },
  {
    operation: 'export',
    method: 'head',
    privilege: Download,
    summary: 'Headers of an export',
    query: [
      { name: 'format', description: 'The archive format.', enum: ['zip', 'tgz'] },
      bool('recursive', 'The whole subtree.'),
    ],
    responses: { 200: { description: 'The headers of the archive', headers: ['Content-Disposition'] } },
    errors: { 400: 'A bad format.' },
  },
  ...(['get', 'head'] as const).map(
    (method): EndpointRoute => ({
      operation: 'versions',
      method,
      privilege: View,
      summary: "[ext] A file's kept versions (file history), newest first",
      description:
        'Versions are numbered per path from 1 and never reused; the current file is not among them. ' +
        'With `deleted=true` the path is a folder (empty: the root): the latest version of each deleted file ' +
        'under it, each with its `path`.',
      query: [bool('deleted', 'List the deleted files under the folder instead.')],
      responses: { 200: { description: 'The versions, newest first', json: 'FileVersion', array: true } },
      errors: { 404: 'The path has no versions and no file.' },
    }),
  ),
  {
    operation: 'restore',
    method: 'post',
    privilege: Overwrite,
    summary: '[ext] Make a kept version the current file again (also for a deleted file)',
    description:
      "The restored file shares the version's bytes (no copy) and gets its metadata and cache setting back; the " +
      'file it replaces becomes a version when history is on. Needs Overwrite, and Add when nothing is at the path.',
    query: [{ name: 'version', type: 'integer', required: true, description: 'The version to restore.' }],
    responses: { 200: { description: 'Restored: `{"version": n}`' } },
    errors: {
      400: 'A missing or bad `version`, or a folder at the path.',
      409: "The version's content is no longer in storage (nothing changed).",
    },
  },
  ...(['post', 'put'] as const).map(
    (method): EndpointRoute => ({
      operation: 'import',
      method,
      privilege: Add,
      summary: 'Expand an archive body into a folder (created if missing), all or nothing',
      description:
        'Entries that break the path rules (absolute, `..`, links, devices) reject the whole archive. ' +
        'Overwrite is needed to replace files.',
      query: [
        { name: 'format', description: 'The archive format; absent: sniffed from the body.', enum: ['zip', 'tgz'] },
        bool('overwrite', 'Replace existing files (default: keep them and skip those entries).'),
      ],
      body: 'archive',
      responses: { 200: { description: 'What the import did [ext]', json: 'ImportResult' } },
      errors: { 400: 'A bad or unsafe archive.', 413: 'The archive expands beyond the limits.' },
    }),
  ),
  {
    operation: 'move',
    method: 'post',
    privilege: Delete,
    summary: 'Move or rename a file or a whole folder, within the directory or into another one [ext]',
    description:
      'Needs Delete here and Add at the target (plus Overwrite to replace a file). Within one storage no byte ' +
      'is copied; across storages the bytes are streamed and verified before anything changes. A folder moves ' +
      'whole, in one transaction. Parent folders of the target are created.',
    body: 'AssetTransferRequest',
    responses: {
      201: { description: 'Moved; the target was created', json: 'AssetTransferResult' },
      200: { description: 'Moved onto a file it replaced', json: 'AssetTransferResult' },
    },
    errors: {
      400: 'A bad body or `to` path, the root, onto itself or into its own subtree.',
      409: 'Something is at the target (without `overwrite`, or a folder, or a file where a folder is needed).',
    },
  },
  {
    operation: 'copy',
    method: 'post',
    privilege: Download,
    summary: 'Copy a file or a whole folder, within the directory or into another one [ext]',
    description:
      'Needs Download here and Add at the target (plus Overwrite to replace a file). Within one storage the copy ' +
      "shares the source's blobs (no byte is copied); across storages the bytes are streamed and verified. " +
      'Copies start with no downloads.',
    body: 'AssetTransferRequest',
    responses: {
      201: { description: 'Copied; the target was created', json: 'AssetTransferResult' },
      200: { description: 'Copied onto a file it replaced', json: 'AssetTransferResult' },
    },
    errors: {
      400: 'A bad body or `to` path, the root, onto itself or into its own subtree.',
      409: 'Something is at the target (without `overwrite`, or a folder, or a file where a folder is needed).',
    },
  },
];

const pathParameters: ParameterObject[] = [
  {
    name: 'directory',
    in: 'path',
    required: true,
    description: 'The asset directory (feed) name.',
    schema: { type: 'string' },
  },
  {
    name: 'path',
    in: 'path',
    required: true,
    description:
      'The item path, `/`-separated, each segment percent-encoded once (it may span several segments, ' +
      'and may be empty: the directory root).',
    schema: { type: 'string' },
  },
];

const plainText = (description: string): ResponseObject => ({
  description,
  content: { 'text/plain': { schema: { type: 'string' } } },
});

function operationObject(route: EndpointRoute): OperationObject {
  const responses: Record<string, ResponseObject> = {};
  for (const [status, r] of Object.entries(route.responses)) {
    const content: NonNullable<ResponseObject['content']> = {};
    for (const type of r.binary ?? []) content[type] = { schema: { type: 'string', format: 'binary' } };
    if (r.json) {
      content['application/json'] = {
        schema: r.array ? { type: 'array', items: schemaRef(r.json) } : schemaRef(r.json),
      };
    }
    responses[status] = {
      description: r.description,
      ...(Object.keys(content).length > 0 ? { content } : {}),
      ...(r.headers ? { headers: Object.fromEntries(r.headers.map((h) => [h, { schema: { type: 'string' } }])) } : {}),
    };
  }
  const errors: Record<number, string> = {
    401: 'No or wrong credentials (with `WWW-Authenticate: Basic`).',
    403: 'The caller lacks the privilege.',
    404: 'No such directory or item (or the caller may not see it).',
    ...route.errors,
  };
  for (const [status, message] of Object.entries(errors)) responses[status] = plainText(message);

  let requestBody: OperationObject['requestBody'];
  if (route.body === 'bytes') {
    requestBody = {
      description: 'The raw file bytes (`Content-Type`, if specific, is stored as the media type).',
      content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
    };
  } else if (route.body === 'archive') {
    requestBody = {
      description: 'A zip or tar.gz archive.',
      content: {
        'application/zip': { schema: { type: 'string', format: 'binary' } },
        'application/gzip': { schema: { type: 'string', format: 'binary' } },
      },
    };
  } else if (route.body) {
    requestBody = { required: true, content: { 'application/json': { schema: schemaRef(route.body) } } };
  }

  return {
    tags: ['Assets (/endpoints)'],
    operationId: `endpoints_${route.operation}_${route.method}`,
    summary: route.summary,
    description: [route.description, `Needs \`${route.privilege}\` on the directory.`].filter(Boolean).join('\n\n'),
    parameters: (route.query ?? []).map((q) => ({
      name: q.name,
      in: 'query',
      required: q.required ?? false,
      description: q.description,
      schema: { type: q.type ?? 'string', ...(q.enum ? { enum: q.enum } : {}) },
    })),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

/** The `/endpoints/{directory}/{operation}/{path}` paths of the document. */
export function endpointsPaths(): PathsObject {
  const paths: PathsObject = {};
  for (const route of ENDPOINT_ROUTES) {
    const path = `/endpoints/{directory}/${route.operation}/{path}`;
    paths[path] ??= { parameters: pathParameters };
    paths[path][route.method] = operationObject(route);
  }
  return paths;
}
