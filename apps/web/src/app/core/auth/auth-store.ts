import { Injectable, computed, inject, signal } from '@angular/core';
import type { ChangePasswordRequest, CurrentPrincipal, LoginRequest } from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { SecurityApi } from './security-api';

export const ANONYMOUS: CurrentPrincipal = {
  authenticated: false,
  userName: null,
  displayName: 'Anonymous',
  credential: 'anonymous',
  privileges: [],
};

function endSessionUrl(url: unknown): string | undefined {
  if (typeof url !== 'string' || !url) return undefined;
  try {
    const protocol = new URL(url).protocol;
    return protocol === 'https:' || protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Who is using the console. `principal()` is undefined until the server has told us. */
@Injectable({ providedIn: 'root' })
export class AuthStore {
  private readonly api = inject(SecurityApi);
  private readonly current = signal<CurrentPrincipal | undefined>(undefined);

  readonly principal = this.current.asReadonly();
  readonly signedIn = computed(() => this.current()?.authenticated === true);
  /** undefined while unknown, null when anonymous: changes only when the user does. */
  readonly userName = computed(() => {
    const principal = this.current();
    return principal === undefined ? undefined : principal.authenticated ? principal.userName : null;
  });
  /** Whether the user has a password here to change (not one of a directory or an identity provider). */
  readonly hasOwnPassword = computed(() => {
    const principal = this.current();
    return principal?.authenticated === true && (principal.source ?? 'builtin') === 'builtin';
  });
  readonly displayName = computed(() => {
    const principal = this.current();
    return principal?.authenticated ? principal.displayName || principal.userName || '' : '';
  });

  /** Asks the server who we are. If it cannot say, the console carries on as anonymous. */
  async refresh(): Promise<CurrentPrincipal> {
    try {
      return this.set(await firstValueFrom(this.api.me()));
    } catch {
      return this.set(ANONYMOUS);
    }
  }

  /** Rejects with the HttpErrorResponse (401 wrong credentials, 429 throttled). */
  async signIn(request: LoginRequest): Promise<CurrentPrincipal> {
    return this.set(await firstValueFrom(this.api.login(request)));
  }

  /**
   * Ends the Stockroom session. Resolves with the identity provider's end-session URL when the
   * server gives one (an OpenID Connect user; only http(s) URLs), for the caller to offer.
   */
  async signOut(): Promise<string | undefined> {
    const answer = await firstValueFrom(this.api.logout(), { defaultValue: null });
    this.set(ANONYMOUS);
    return endSessionUrl(answer?.endSessionUrl);
  }

  changePassword(request: ChangePasswordRequest): Promise<void> {
    return firstValueFrom(this.api.changePassword(request), { defaultValue: undefined });
  }

  /** The server no longer knows this session (it answered 401). */
  forget(): void {
    if (this.current()?.authenticated !== false) this.set(ANONYMOUS);
  }

  private set(principal: CurrentPrincipal): CurrentPrincipal {
    this.current.set(principal);
    return principal;
  }
}
