import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ErrorCode } from '@stockroom/contracts';
import { randomBytes } from 'node:crypto';
import type { Principal } from '../../common/auth/principal';
import { Clock } from '../../common/clock';
import { AppError } from '../../common/errors/app-error';
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

/** A signed download request, as its URL states it (read by `request-credentials.ts`). */
export interface SignedRequest {
  /** Upper-case: GET, HEAD, … */
  method: string;
  /** The operation asked (`content`), lower-case. */
  operation: string;
  /** The multipart operation, if any is asked (a signed URL never names one). */
  multipart?: string;
  /** Directory and item path, decoded; absent when the URL does not decode. */
  target?: Omit<SignedTarget, 'version'>;
  expires?: string;
  version?: string;
  signature: string;
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
   * The principal of a signed request: allowed exactly the file it was
   * signed for. A signature that does not check out is refused (403) and never falls back to other
   * credentials or to anonymous access.
   */
  authenticate(request: SignedRequest, address: string): Principal {
    if (
      request.operation !== 'content' ||
      (request.method !== 'GET' && request.method !== 'HEAD') ||
      (request.multipart ?? '') !== ''
    ) {
      throw refused('A signed URL only downloads the file it was made for (GET or HEAD of its content).');
    }
    const { expires, version, signature } = request;
    const target = expires !== undefined && version && request.target ? { ...request.target, version } : undefined;
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
