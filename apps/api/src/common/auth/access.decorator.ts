import { SetMetadata } from '@nestjs/common';
import type { Privilege } from '@stockroom/contracts';

export const ACCESS_RULE = 'stockroom:access';

/**
 * What a route demands before its handler runs. The guard refuses routes that declare nothing,
 * so a new route cannot be open by accident.
 * - `public`: no credentials read at all (health, login);
 * - `anyone`: credentials checked (a wrong one is 401), anonymous allowed (who-am-I, logout);
 * - `authenticated`: a user or key, not anonymous;
 * - `global`: a privilege at global scope (e.g. Administer);
 * - `directory`: privileges depend on the directory named in the request; the service checks
 *   them through AccessService (existence of hidden directories stays secret).
 */
export type AccessRule =
  | { kind: 'public' }
  | { kind: 'anyone' }
  | { kind: 'authenticated' }
  | { kind: 'global'; privilege: Privilege }
  | { kind: 'directory'; sessionCookie?: false };

export const Access = {
  public: () => SetMetadata(ACCESS_RULE, { kind: 'public' } satisfies AccessRule),
  anyone: () => SetMetadata(ACCESS_RULE, { kind: 'anyone' } satisfies AccessRule),
  authenticated: () => SetMetadata(ACCESS_RULE, { kind: 'authenticated' } satisfies AccessRule),
  global: (privilege: Privilege) => SetMetadata(ACCESS_RULE, { kind: 'global', privilege } satisfies AccessRule),
  directory: () => SetMetadata(ACCESS_RULE, { kind: 'directory' } satisfies AccessRule),
  /**
   * `directory`, reading no session cookie: for protocols a browser page must not drive with the
   * console's cookie (WebDAV's methods would otherwise be open to cross-site requests). Credentials
   * are Basic or an API key; a request with only a cookie is anonymous.
   */
  directoryWithoutSession: () =>
    SetMetadata(ACCESS_RULE, { kind: 'directory', sessionCookie: false } satisfies AccessRule),
};
