import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { finalize, Observable } from 'rxjs';
import { CoherentCache } from './coherent-cache.service';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * After a state-changing management call (its transaction committed, its answer not yet sent),
 * drops this node's cache so the caller's next request sees the change; other nodes learn of it
 * through the change notifications. The asset API changes nothing that is cached.
 */
@Injectable()
export class InvalidateAfterWrites implements NestInterceptor {
  constructor(private readonly cache: CoherentCache) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    if (SAFE_METHODS.has(req.method) || !req.originalUrl.startsWith('/api/')) return next.handle();
    return next.handle().pipe(finalize(() => this.cache.invalidate()));
  }
}
