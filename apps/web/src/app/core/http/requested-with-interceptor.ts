import type { HttpInterceptorFn } from '@angular/common/http';

/** Requests to our own server: relative URLs under /api/ (management) and /endpoints/ (assets). */
export function isApiRequest(url: string): boolean {
  return url.startsWith('/api/') || url.startsWith('/endpoints/');
}

/**
 * Marks the console's API calls as script requests. The server then leaves `WWW-Authenticate: Basic`
 * off its 401 answers, so the browser does not open its own password dialog over the console.
 */
export const requestedWithInterceptor: HttpInterceptorFn = (req, next) =>
  next(isApiRequest(req.url) ? req.clone({ setHeaders: { 'X-Requested-With': 'XMLHttpRequest' } }) : req);
