import type { Router, UrlTree } from '@angular/router';
import type { ConsoleRoot } from '@stockroom/contracts';

/** One of the console's top-level paths: the server answers it with index.html. */
export const SIGN_IN_PATH: ConsoleRoot = 'sign-in';

/** The URL is the sign-in page (with or without a query). */
export function isSignInUrl(router: Router, url: string): boolean {
  return router.parseUrl(url).root.children['primary']?.segments[0]?.path === SIGN_IN_PATH;
}

/** `/sign-in?returnUrl=<url>`: the sign-in page, coming back to `returnUrl` afterwards. */
export function signInUrlTree(router: Router, returnUrl: string): UrlTree {
  return router.createUrlTree(['/', SIGN_IN_PATH], { queryParams: { returnUrl } });
}

/**
 * Where to go after signing in: only a path inside this console (no `//host` or `/\host`, which a
 * browser reads as another site), never the sign-in page itself; `/` otherwise.
 */
export function safeReturnUrl(router: Router, returnUrl: string | null | undefined): string {
  if (!returnUrl || !returnUrl.startsWith('/') || /^\/[/\\]/.test(returnUrl)) return '/';
  try {
    return isSignInUrl(router, returnUrl) ? '/' : returnUrl;
  } catch {
    return '/';
  }
}
