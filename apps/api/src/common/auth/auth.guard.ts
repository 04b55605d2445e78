import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ANONYMOUS } from './principal';
import type { RequestWithPrincipal } from './actor.decorator';

/**
 * Every route passes through here. Until security lands, every caller is the anonymous
 * principal and services allow it; credential parsing and deny-by-default come with issue 3.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<RequestWithPrincipal>();
    req.principal = ANONYMOUS;
    return true;
  }
}
