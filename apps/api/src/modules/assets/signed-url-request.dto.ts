import type { SignedUrlRequest } from '@stockroom/contracts';
import { OptionalBoolean, RequiredString } from '../../common/http/body-fields';

/** `POST /api/signed-urls`: the path as the console shows it (not URL-encoded). */
export class SignedUrlRequestDto implements SignedUrlRequest {
  @RequiredString(100)
  feed!: string;

  @RequiredString(4096)
  path!: string;

  @OptionalBoolean()
  download?: boolean;
}
