import { ErrorCode } from '@stockroom/contracts';

/**
 * Facts about a failure that a caller can act on beyond its code, said without any protocol: each
 * protocol's error filter turns them into its own headers (HTTP: Retry-After, Allow, ...).
 */
export interface ErrorDetails {
  /** Trying again makes sense after this many seconds. */
  retryAfterSeconds?: number;
  /** The operations (methods) the target accepts, when the one asked is not among them. */
  allowedMethods?: readonly string[];
  /** Credentials would help: the scheme the caller may present. */
  authChallenge?: 'basic';
  /** The realm of that challenge, when not the server's own (a share link's password). */
  authRealm?: string;
  /** A byte range was asked of content of this size, and lies outside it. */
  rangeSize?: number;
  /** The rest of the request was not read: the connection cannot carry another request. */
  requestAbandoned?: boolean;
}

/** A failure the caller can act on. The message is shown to the user as is. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (message: string) => new AppError(ErrorCode.BadRequest, message);

export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.BadRequest:
    case ErrorCode.InvalidPath:
    case ErrorCode.AlreadyExists:
    case ErrorCode.IsFolder:
    case ErrorCode.IsFile:
    case ErrorCode.FolderNotEmpty:
    case ErrorCode.InvalidArchive:
    case ErrorCode.InvalidMultipart:
      return 400;
    case ErrorCode.Unauthorized:
      return 401;
    case ErrorCode.Forbidden:
    case ErrorCode.WritePolicy:
      return 403;
    case ErrorCode.NotFound:
    case ErrorCode.FeedNotFound:
      return 404;
    case ErrorCode.MethodNotAllowed:
      return 405;
    case ErrorCode.Conflict:
      return 409;
    case ErrorCode.Gone:
      return 410;
    case ErrorCode.ArchiveTooLarge:
    case ErrorCode.PayloadTooLarge:
    case ErrorCode.QuotaExceeded:
      return 413;
    case ErrorCode.UnsupportedMediaType:
      return 415;
    case ErrorCode.RangeNotSatisfiable:
      return 416;
    case ErrorCode.TooManyRequests:
      return 429;
    case ErrorCode.ServiceUnavailable:
      return 503;
    case ErrorCode.Internal:
      return 500;
    case ErrorCode.InsufficientStorage:
      return 507;
    case ErrorCode.BadGateway:
      return 502;
    case ErrorCode.GatewayTimeout:
      return 504;
  }
}
