import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '@stockroom/contracts';
import type { Request, Response } from 'express';
import { Access } from '../../common/auth/access.decorator';
import { AppError, httpStatusOf } from '../../common/errors/app-error';
import { Query } from '../../common/http/query';
import { QueryParam } from '../../openapi/api-docs.decorators';
import { OIDC_STATE_COOKIE, OIDC_STATE_COOKIE_PATH, OIDC_STATE_SECONDS } from './oidc-state';
import { OidcService } from './oidc.service';
import { parse as parseCookies } from 'cookie';
import { clientAddress } from './request-credentials';
import { setSessionCookies } from './session-cookies';

/**
 * OpenID Connect sign-in (issue 19): browser navigations, not XHRs. A browser (which asks for HTML)
 * that cannot be signed in is sent back to the sign-in page with the reason in `?error=`; any other
 * client gets the JSON error.
 */
@ApiTags('Session')
@Controller('api/security/oidc')
export class OidcController {
  constructor(private readonly oidc: OidcService) {}

  @ApiResponse({ status: 302, description: "To the identity provider's sign-in page (sets a short-lived cookie)" })
  @ApiResponse({ status: 404, description: 'OpenID Connect is not configured' })
  @ApiResponse({ status: 503, description: 'The identity provider cannot be reached' })
  @QueryParam('returnTo', 'A path of this site to go to once signed in (default `/`)')
  @Get('login')
  @Access.public()
  async login(@Req() req: Request, @Res() res: Response): Promise<void> {
    try {
      const { url, cookie } = await this.oidc.start(Query.fromUrl(req.originalUrl).get('returnTo'));
      res.cookie(OIDC_STATE_COOKIE, cookie, {
        httpOnly: true,
        // Lax: sent along when the provider sends the browser back here (a top-level GET).
        sameSite: 'lax',
        secure: req.secure,
        path: OIDC_STATE_COOKIE_PATH,
        maxAge: OIDC_STATE_SECONDS * 1000,
      });
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(302, url);
    } catch (e) {
      this.fail(req, res, e);
    }
  }

  @ApiResponse({ status: 303, description: 'Signed in: sets the session cookies, to `returnTo` (or `/`)' })
  @ApiResponse({ status: 400, description: 'Wrong or missing state, an error from the provider (JSON or HTML)' })
  @ApiResponse({ status: 401, description: 'The code or the ID token was refused' })
  @ApiResponse({ status: 403, description: 'The user or one of its groups clashes with another source' })
  @QueryParam('code', "The provider's authorization code")
  @QueryParam('state', 'The state this browser sent')
  @Get('callback')
  @Access.public()
  async callback(@Req() req: Request, @Res() res: Response): Promise<void> {
    // The attempt is used up whatever happens.
    res.clearCookie(OIDC_STATE_COOKIE, { path: OIDC_STATE_COOKIE_PATH });
    res.setHeader('Cache-Control', 'no-store');
    try {
      const q = req.originalUrl.indexOf('?');
      const cookies = parseCookies(req.headers.cookie ?? '');
      const { session, returnTo } = await this.oidc.finish(
        q < 0 ? '' : req.originalUrl.slice(q + 1),
        cookies[OIDC_STATE_COOKIE],
        clientAddress(req),
      );
      setSessionCookies(req, res, session.token, session.csrfToken);
      res.redirect(303, this.local(returnTo));
    } catch (e) {
      this.fail(req, res, e);
    }
  }

  /** A path of this site, under the base URL's path when Stockroom is served below one. */
  private local(path: string): string {
    return `${this.oidc.basePath}${path}`;
  }

  private fail(req: Request, res: Response, e: unknown): void {
    if (!(e instanceof AppError)) throw e;
    res.setHeader('Cache-Control', 'no-store');
    if (req.accepts(['application/json', 'text/html']) === 'text/html' && e.code !== ErrorCode.NotFound) {
      res.redirect(303, this.local(`/sign-in?error=${encodeURIComponent(e.message)}`));
      return;
    }
    res.status(httpStatusOf(e.code)).json({ code: e.code, message: e.message });
  }
}
