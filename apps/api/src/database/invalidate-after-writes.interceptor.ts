import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { catchError, concatMap, from, map, Observable, throwError } from 'rxjs';
import { CoherentCache } from './coherent-cache.service';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const INVALIDATES_ITS_OWN = 'stockroom:invalidates-its-own-scopes';

/**
 * Marks a management route whose services name the cache scopes they change themselves (or change
 * nothing cached), so that it does not clear everything: signing in and out. A failed sign-in must
 * not empty every worker's download cache — anyone can send one, as often as the throttle allows.
 */
export const InvalidatesItsOwnScopes = () => SetMetadata(INVALIDATES_ITS_OWN, true);

/**
 * After a state-changing management call (its transaction committed, its answer not yet sent),
 * drops this node's whole cache — in every worker of this server, acknowledged before the answer is
 * sent — so the caller's next request sees the change whichever worker serves it; other nodes learn
 * of it through the change notifications. Management writes are rare and touch many kinds of rows, so
 * they clear everything rather than name their scope. The asset API's writes drop only the items
 * they changed (AssetsRepository, when their transaction commits).
 */
@Injectable()
export class InvalidateAfterWrites implements NestInterceptor {
  constructor(
    private readonly cache: CoherentCache,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    if (SAFE_METHODS.has(req.method) || !req.originalUrl.startsWith('/api/')) return next.handle();
    if (this.reflector.get<boolean>(INVALIDATES_ITS_OWN, context.getHandler())) return next.handle();
    const everywhere = () => from(this.cache.invalidateEverywhere());
    // A failed call may have changed something too (a step committed before the failure).
    return next.handle().pipe(
      concatMap((value) => everywhere().pipe(map(() => value))),
      catchError((e: unknown) => everywhere().pipe(concatMap(() => throwError(() => e)))),
    );
  }
}
