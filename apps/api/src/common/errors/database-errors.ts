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
