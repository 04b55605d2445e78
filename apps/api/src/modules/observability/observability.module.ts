import { DynamicModule, Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import type { AppConfig } from '../../config/app-config';
import { DatabasePoolMetrics } from './database-pool-metrics';
import { HttpMetrics } from './http-metrics';
import { JobMetrics } from './job-metrics';
import { MetricsController, PublicMetricsController } from './metrics.controller';
import { createMetricsRegistry } from './metrics-registry';
import { MetricsService } from './metrics.service';
import { StorageMetrics } from './storage-metrics';
import { TransferMetrics } from './transfer-metrics';

const RECORDERS = [HttpMetrics, TransferMetrics, StorageMetrics, JobMetrics];

/**
 * Metrics: the registry, `GET /metrics`, and the typed recorders services are given (HttpMetrics,
 * TransferMetrics, StorageMetrics, JobMetrics): nothing else imports prom-client. Global, like the
 * config: any module's service may record.
 */
@Module({})
export class ObservabilityModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      controllers: [config.metricsAccess === 'public' ? PublicMetricsController : MetricsController],
      providers: [
        { provide: Registry, useFactory: createMetricsRegistry },
        MetricsService,
        DatabasePoolMetrics,
        ...RECORDERS,
      ],
      exports: RECORDERS,
    };
  }
}
