import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { requireJsonContentType } from './read-body';

/**
 * A route that takes only `application/json` (see {@link requireJsonContentType}). A guard, so the
 * refusal (415) comes before the body is checked: a guard runs before any pipe.
 */
@Injectable()
export class JsonContentTypeGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    requireJsonContentType(context.switchToHttp().getRequest<Request>());
    return true;
  }
}
