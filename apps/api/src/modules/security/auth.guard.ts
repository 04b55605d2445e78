import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ErrorCode } from '@stockroom/contracts';
import type { Response } from 'express';
import { ACCESS_RULE, AccessRule } from '../../common/auth/access.decorator';
import type { RequestWithPrincipal } from '../../common/auth/actor.decorator';
import { AppError } from '../../common/errors/app-error';
import { AccessService, unauthorized } from './access.service';
import { AuthenticationService } from './authentication.service';
import { presentedCredentials } from './request-credentials';
import { clearSessionCookies } from './session-cookies';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every route passes through here, and a route that declares no access rule is refused: nothing
 * is open by accident. Authenticates the caller (spec §6), enforces the route's rule, and for
 * console sessions requires the CSRF token on state-changing requests. Directory privileges are
 * checked later, in the services, where the directory is known.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly authentication: AuthenticationService,
    private readonly access: AccessService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
      context.getHandler(),
      context.getClass(),
    ]);
    const req = context.switchToHttp().getRequest<RequestWithPrincipal>();
    if (!rule) {
      this.logger.error(`${req.method} ${req.route?.path ?? req.path} declares no access rule; refused.`);
      throw new AppError(ErrorCode.Forbidden, 'This route is not available.');
    }
    if (rule.kind === 'public') return true;

    const presented = presentedCredentials(req);
    if (rule.kind === 'directory' && rule.sessionCookie === false && presented.credential.kind === 'session') {
      presented.credential = { kind: 'none' };
    }
    const { principal, csrfToken, staleSession } = await this.authentication.authenticateRequest(req, presented);
    req.principal = principal;
    if (staleSession) clearSessionCookies(context.switchToHttp().getResponse<Response>());
    if (
      csrfToken !== undefined &&
      !SAFE_METHODS.has(req.method) &&
      !AuthenticationService.csrfMatches(presented.csrfToken, csrfToken)
    ) {
      throw new AppError(ErrorCode.Forbidden, 'Missing or wrong CSRF token (X-XSRF-TOKEN); reload the page.');
    }

    switch (rule.kind) {
      case 'anyone':
      case 'directory':
        return true;
      case 'authenticated':
        if (principal.kind === 'anonymous') throw unauthorized('Sign in first.');
        return true;
      case 'global':
        await this.access.require(principal, rule.privilege);
        return true;
    }
  }
}
