import { Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';

/** Failures of the storage providers (disk, s3, azure). */
@Injectable()
export class StorageMetrics {
  private readonly errors: Counter<'provider' | 'operation' | 'code'>;

  constructor(registry: Registry) {
    this.errors = new Counter({
      name: 'stockroom_storage_errors_total',
      help: 'Storage operations that failed, by provider, operation and StorageError code (client aborts excluded)',
      labelNames: ['provider', 'operation', 'code'],
      registers: [registry],
    });
  }

  /** `code`: a StorageErrorCode, or `unknown` for an error the provider did not translate. */
  failed(provider: string, operation: string, code: string): void {
    this.errors.inc({ provider, operation, code });
  }
}
