import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { Registry } from 'prom-client';
import { clusterChannelInstalled, clusterMetrics } from '../../cluster/worker-channel';

/** The text a scrape of `GET /metrics` receives (Prometheus text format 0.0.4). */
@Injectable()
export class MetricsService {
  constructor(private readonly registry: Registry) {}

  get contentType(): string {
    return this.registry.contentType;
  }

  /** This process's metrics; in a worker of several, every worker's, gathered by the primary. */
  async render(): Promise<string> {
    if (!clusterChannelInstalled()) return this.registry.metrics();
    try {
      return await clusterMetrics();
    } catch (e) {
      throw new ServiceUnavailableException(
        `The metrics of all workers could not be gathered (${e instanceof Error ? e.message : String(e)}); try again.`,
      );
    }
  }
}
