import { ErrorCode } from '@stockroom/contracts';
import { AppError } from './app-error';

/**
 * The SQLSTATE the quota trigger raises (DirectoryPolicies migration) when a statement would take a
 * directory past its quota; its message names the directory, the quota and the use.
 */
export const QUOTA_EXCEEDED_SQLSTATE = 'SRQ01';

/** A database error that carries a rule of ours, as the coded error it stands for; anything else unchanged. */
export function translateDatabaseError(error: unknown): unknown {
  const e = error as { code?: string; message?: string; driverError?: { code?: string; message?: string } };
  const code = e?.driverError?.code ?? e?.code;
  if (code === QUOTA_EXCEEDED_SQLSTATE) {
    return new AppError(ErrorCode.QuotaExceeded, e.driverError?.message ?? e.message ?? 'The quota would be exceeded.');
  }
  return error;
}

/**
 * True when an error means the database cannot be reached (connection refused/reset/terminated,
 * admin shutdown, pool timeout) rather than a bad query: such requests answer 503.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e && depth < 4; depth++) {
    const err = e as { code?: string; message?: string; driverError?: unknown; cause?: unknown };
    const code = err.code ?? '';
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code)) return true;
    // SQLSTATE class 08 (connection exception), 57P01-57P03 (shutdown, cannot connect now).
    if (/^08/.test(code) || /^57P0[123]$/.test(code)) return true;
    const message = err.message ?? '';
    if (
      /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established|Cannot use a pool after calling end/i.test(
        message,
      )
    ) {
      return true;
    }
    e = err.driverError ?? err.cause;
  }
  return false;
}
