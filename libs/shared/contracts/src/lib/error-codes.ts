/** Every error the API can answer with; one global filter maps them to HTTP statuses. */
export enum ErrorCode {
  BadRequest = 'bad_request',
  InvalidPath = 'invalid_path',
  NotFound = 'not_found',
  MethodNotAllowed = 'method_not_allowed',
  FeedNotFound = 'feed_not_found',
  AlreadyExists = 'already_exists',
  IsFolder = 'is_folder',
  IsFile = 'is_file',
  FolderNotEmpty = 'folder_not_empty',
  RangeNotSatisfiable = 'range_not_satisfiable',
  PayloadTooLarge = 'payload_too_large',
  InvalidArchive = 'invalid_archive',
  ArchiveTooLarge = 'archive_too_large',
  InvalidMultipart = 'invalid_multipart',
  Unauthorized = 'unauthorized',
  Forbidden = 'forbidden',
  /** The request conflicts with work in progress (e.g. a storage move). */
  Conflict = 'conflict',
  TooManyRequests = 'too_many_requests',
  ServiceUnavailable = 'service_unavailable',
  Internal = 'internal',
  /** The request body is not of the media type the route takes (415). */
  UnsupportedMediaType = 'unsupported_media_type',
  /** [ext] The directory's write policy (create-only, read-only) refuses the write (403). */
  WritePolicy = 'write_policy',
  /** [ext] The write would take the directory past its quota (413 on /endpoints; WebDAV: 507). */
  QuotaExceeded = 'quota_exceeded',
  /** The directory's storage has no room left (507). */
  InsufficientStorage = 'insufficient_storage',
  /** [ext] A share link that expired, was revoked, used up, or whose file moved or went (410). */
  Gone = 'gone',
  /** [ext] A connector's upstream failed, refused, or sent a file this directory cannot take (502). */
  BadGateway = 'bad_gateway',
  /** [ext] A connector's upstream did not answer in time (504). */
  GatewayTimeout = 'gateway_timeout',
}

export interface ErrorResponse {
  code: ErrorCode;
  message: string;
}
