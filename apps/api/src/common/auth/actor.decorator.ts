import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal } from './principal';

export type RequestWithPrincipal = Request & { principal?: Principal };

/** The principal the global guard attached to the request. */
export const Actor = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<RequestWithPrincipal>().principal;
  if (!principal) throw new Error('No principal on the request: is the route public?');
  return principal;
});
