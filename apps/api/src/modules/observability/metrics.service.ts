import { Injectable } from '@nestjs/common';
import { Registry } from 'prom-client';

/** The text a scrape of `GET /metrics` receives (Prometheus text format 0.0.4). */
@Injectable()
export class MetricsService {
  constructor(private readonly registry: Registry) {}

  get contentType(): string {
    return this.registry.contentType;
  }

  /** This process's metrics; under node cluster, the primary's aggregate instead (see createMetricsRegistry). */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
