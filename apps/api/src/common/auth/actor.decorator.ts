import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ANONYMOUS, Principal } from './principal';

export type RequestWithPrincipal = Request & { principal?: Principal };

/** The principal the global guard attached to the request. */
export const Actor = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<RequestWithPrincipal>().principal ?? ANONYMOUS;
});
