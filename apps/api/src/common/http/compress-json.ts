import compression from 'compression';
import type { Request, Response } from 'express';
import { constants } from 'node:zlib';

/**
 * `compression` (already the console assets' middleware) negotiates gzip/br/deflate from
 * Accept-Encoding with `negotiator`, preferring br then gzip on ties, adds `Vary: Accept-Encoding`,
 * and streams through Node's zlib as the answer is written: nothing is buffered, `drain` and
 * backpressure go through the compressor, and a client that leaves destroys it.
 *
 * Cheap levels: a 100k-item listing is ~59 MB of JSON, and must not become CPU-bound. Listings are
 * mostly hex hashes (four per item), which every level codes about as well, so more effort buys
 * little. Measured on that listing (CPU of one compressor, median of 5): gzip 1 12.42 MB ~0.55 s,
 * gzip 2 12.13 MB ~0.55 s, gzip 4 12.05 MB ~0.8 s (levels 1-3 are zlib's fast, non-lazy matcher);
 * brotli quality 1 11.5 MB ~0.25 s, quality 2 11.7 MB ~0.6 s, quality 4 ~1.2 s. Hence gzip 2 and
 * brotli 1. The compressor runs on libuv's thread pool, beside the thread that serializes the rows.
 * Answers of a known length under 1 KiB (most `metadata/` items) are not worth a compressor.
 */
const compress = compression({
  level: 2,
  threshold: 1024,
  brotli: {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 1,
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
