import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { AssetPathError, ErrorCode, parseEncodedPath } from '@stockroom/contracts';
import { randomBytes } from 'node:crypto';
import type { Principal } from '../../common/auth/principal';
import { Clock } from '../../common/clock';
import { AppError } from '../../common/errors/app-error';
import { Query } from '../../common/http/query';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { ServerSecretsRepository } from './server-secrets.repository';
import { SIGNED_URL_PARAMS, SignedTarget, SignedUrlSigner } from './signed-url-signer';

const KEY_NAME = 'signed-url-key';

export interface MintedSignature {
  /** `expires=…&version=…&signature=…`, to append to the file's content URL. */
  query: string;
  expires: Date;
}

function refused(message: string): AppError {
  return new AppError(ErrorCode.Forbidden, message);
}

/** The request carries a signature: it is a signed download, whatever else it carries. */
export function isSignedRequest(originalUrl: string): boolean {
  return originalUrl.startsWith('/endpoints/') && Query.fromUrl(originalUrl).has(SIGNED_URL_PARAMS.signature);
}

/**
 * Signed download URLs: `/endpoints/{dir}/content/{path}?expires=…&version=…&signature=…` lets whoever
 * holds it GET or HEAD that one file, in that version, until it expires, with no other credential.
 * The per-install key lives in PostgreSQL (shared by every node) and is read once at start, so a
 * check costs no database round trip.
 */
@Injectable()
export class SignedUrlsService implements OnModuleInit {
  private signer?: SignedUrlSigner;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly secrets: ServerSecretsRepository,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    this.signer = new SignedUrlSigner(await this.secrets.getOrCreate(KEY_NAME, () => randomBytes(32)));
  }

  /** A signature for `target`, valid for the configured lifetime. Call only once the caller may download it. */
  mint(target: SignedTarget): MintedSignature {
    const expires = Math.floor(this.clock.now().getTime() / 1000) + this.config.signedUrlSeconds;
    const params = new URLSearchParams({
      [SIGNED_URL_PARAMS.expires]: String(expires),
      [SIGNED_URL_PARAMS.version]: target.version,
      [SIGNED_URL_PARAMS.signature]: this.key().sign(target, expires),
    });
    return { query: params.toString(), expires: new Date(expires * 1000) };
  }

  /**
   * The principal of a signed request (see {@link isSignedRequest}): allowed exactly the file it was
   * signed for. A signature that does not check out is refused (403) and never falls back to other
   * credentials or to anonymous access.
   */
  authenticate(method: string, originalUrl: string, address: string): Principal {
    const q = originalUrl.indexOf('?');
    const query = new Query(q < 0 ? '' : originalUrl.slice(q + 1));
    const [, , feedRaw = '', op = '', ...rest] = (q < 0 ? originalUrl : originalUrl.slice(0, q)).split('/');
    if (
      op.toLowerCase() !== 'content' ||
      (method !== 'GET' && method !== 'HEAD') ||
      (query.get('multipart') ?? '') !== ''
    ) {
      throw refused('A signed URL only downloads the file it was made for (GET or HEAD of its content).');
    }
    const expires = query.get(SIGNED_URL_PARAMS.expires);
    const version = query.get(SIGNED_URL_PARAMS.version);
    const signature = query.get(SIGNED_URL_PARAMS.signature) ?? '';
    let target: SignedTarget | undefined;
    try {
      if (expires !== undefined && version) {
        target = { feed: decodeURIComponent(feedRaw), path: parseEncodedPath(rest.join('/')).join('/'), version };
      }
    } catch (e) {
      if (!(e instanceof AssetPathError || e instanceof URIError)) throw e;
    }
    if (!target || expires === undefined) throw refused('The signed URL is incomplete or malformed.');
    const check = this.key().verify(target, expires, signature, Math.floor(this.clock.now().getTime() / 1000));
    if (!check.ok) {
      switch (check.reason) {
        case 'malformed':
          throw refused('The signed URL is incomplete or malformed.');
        case 'signature':
          throw refused('The signed URL is not valid: it was altered, or made for another file or server.');
        case 'expired':
          throw refused('The signed URL has expired; ask for a new one.');
      }
    }
    return {
      kind: 'signed-url',
      name: 'Signed URL',
      credential: 'signed-url',
      address,
      signedUrl: { feed: target.feed.toLowerCase(), path: target.path.toLowerCase(), version: target.version },
    };
  }

  private key(): SignedUrlSigner {
    if (!this.signer) throw new Error('The signing key is not loaded yet.');
    return this.signer;
  }
}
