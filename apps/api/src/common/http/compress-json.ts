import compression from 'compression';
import type { Request, Response } from 'express';
import { constants } from 'node:zlib';

/**
 * `compression` (already the console assets' middleware) negotiates gzip/br/deflate from
 * Accept-Encoding with `negotiator`, preferring br then gzip on ties, adds `Vary: Accept-Encoding`,
 * and streams through Node's zlib as the answer is written: nothing is buffered, `drain` and
 * backpressure go through the compressor, and a client that leaves destroys it.
 *
 * Moderate levels: a 100k-item listing is ~60 MB of JSON, and gzip 6+/brotli 11 would make the
 * answer CPU-bound; gzip 4 and brotli 4 (text mode) already shrink listings many times over.
 * Answers of a known length under 1 KiB (most `metadata/` items) are not worth a compressor.
 */
const compress = compression({
  level: 4,
  threshold: 1024,
  brotli: {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 4,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    },
  },
});

const noop = () => undefined;

/**
 * Opts one answer into compression, as the client's Accept-Encoding asks. Called per answer by the
 * JSON answers of the asset API only: file downloads (`content/`, `export/`) never go through it,
 * so their bytes, Range, ETag and Content-Length stay exact.
 *
 * A HEAD is negotiated as its GET would be (`compression` alone leaves HEAD answers identity), so
 * that both carry the same Content-Encoding and Content-Length; Node sends no body for a HEAD.
 */
export function compressAnswer(req: Request, res: Response): void {
  const asGet = req.method === 'HEAD' ? (Object.create(req, { method: { value: 'GET' } }) as Request) : req;
  compress(asGet, res, noop);
}
