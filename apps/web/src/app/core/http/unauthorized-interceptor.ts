import { HttpErrorResponse, type HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { tap } from 'rxjs';
import { AuthStore } from '../auth/auth-store';
import { isSignInUrl, signInUrlTree } from '../auth/sign-in-url';
import { HANDLES_UNAUTHORIZED } from './http-context';

/**
 * A 401 means the caller is not (or no longer) signed in: forget the principal and send the user to
 * the sign-in page, which brings them back here afterwards. Never redirects from the sign-in page.
 */
export const unauthorizedInterceptor: HttpInterceptorFn = (req, next) => {
  if (req.context.get(HANDLES_UNAUTHORIZED)) return next(req);
  const router = inject(Router);
  const auth = inject(AuthStore);
  return next(req).pipe(
    tap({
      error: (error: unknown) => {
        if (!(error instanceof HttpErrorResponse) || error.status !== 401) return;
        auth.forget();
        // Mid-navigation (a guard or resolver asking), the user is on the way to the new URL.
        const pending = router.currentNavigation();
        const here = pending ? router.serializeUrl(pending.finalUrl ?? pending.extractedUrl) : router.url;
        if (!isSignInUrl(router, here)) void router.navigateByUrl(signInUrlTree(router, here));
      },
    }),
  );
};
