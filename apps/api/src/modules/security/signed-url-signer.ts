import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Query names of a signed download URL. None is a ProGet query name (spec §2 and §4 use `download`,
 * `multipart`, `id`, `index`, `offset`, `totalSize`, `partSize`, `totalParts`, `recursive`, and §6's
 * `key`, a credential): a signed URL is never mistaken for another kind of request.
 */
export const SIGNED_URL_PARAMS = {
  expires: 'expires',
  version: 'version',
  signature: 'signature',
} as const;

/**
 * What a signature binds: one directory, one path in it and one version of the file. `version` is the
 * file's content identity today (its SHA-1, the ETag), so a URL made for an old content stops working
 * once the file is overwritten; with file history it can name a version number instead.
 */
export interface SignedTarget {
  /** Directory name (compared case-insensitively). */
  feed: string;
  /** Item path, decoded, `/`-separated (compared case-insensitively, spec §1). */
  path: string;
  version: string;
}

export type SignedCheck = { ok: true } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

/** Purpose and format of the signed text: a share link or a later format signs a different one. */
const SCOPE = 'stockroom:content:v1';

/**
 * HMAC-SHA256 over (scope, directory, path, version, expiry) with the installation's key. Checking
 * needs the key only: no database round trip.
 */
export class SignedUrlSigner {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('The signing key must be at least 32 bytes.');
  }

  /** The signature (base64url) for `target`, valid until `expires` (Unix seconds). */
  sign(target: SignedTarget, expires: number): string {
    return this.mac(target, expires).toString('base64url');
  }

  /**
   * Checks a signature in constant time, then its expiry against `nowSeconds`. `expires` is the
   * query value as sent (a string), so that `0300` or `3e2` never pass for the signed `300`.
   */
  verify(target: SignedTarget, expires: string, signature: string, nowSeconds: number): SignedCheck {
    if (!/^[1-9][0-9]{0,11}$/.test(expires) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) {
      return { ok: false, reason: 'malformed' };
    }
    // Compared as text: base64url's last character carries 2 unused bits, which a byte comparison
    // would let a client change at will (one signature, several spellings).
    const sent = Buffer.from(signature, 'ascii');
    const expected = Buffer.from(this.mac(target, Number(expires)).toString('base64url'), 'ascii');
    if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) return { ok: false, reason: 'signature' };
    if (Number(expires) <= nowSeconds) return { ok: false, reason: 'expired' };
    return { ok: true };
  }

  private mac(target: SignedTarget, expires: number): Buffer {
    // JSON: no separator inside a name can shift one field into the next.
    const text = JSON.stringify([SCOPE, target.feed.toLowerCase(), target.path.toLowerCase(), target.version, expires]);
    return createHmac('sha256', this.key).update(text, 'utf8').digest();
  }
}
