import type { Request, Response } from 'express';
import { CSRF_COOKIE, SESSION_COOKIE } from './credentials';

/** httpOnly + SameSite=Lax session cookie; Secure whenever the request came over HTTPS. */
export function setSessionCookies(req: Request, res: Response, token: string, csrfToken: string): void {
  const secure = req.secure;
  res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
  // Readable by the console's script, which echoes it in X-XSRF-TOKEN: a cross-site page cannot.
  res.cookie(CSRF_COOKIE, csrfToken, { httpOnly: false, sameSite: 'lax', secure, path: '/' });
}

export function clearSessionCookies(res: Response): void {
  res.clearCookie(SESSION_COOKIE, { path: '/' });
  res.clearCookie(CSRF_COOKIE, { path: '/' });
}
