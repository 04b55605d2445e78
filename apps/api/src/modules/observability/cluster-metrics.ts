import { AggregatorRegistry, PrometheusContentType, Registry } from 'prom-client';

/**
 * Under STOCKROOM_WORKERS > 1 (node cluster): each worker hands its registry to prom-client's
 * cluster listener, and the primary gathers them all (counters and histograms summed, gauges as each
 * declares). Only these two functions touch prom-client's cluster side.
 */
export function shareWithPrimary(registry: Registry): void {
  answerMetricsRequests();
  AggregatorRegistry.setRegistries([registry]);
}

/**
 * In a worker, as soon as it starts: answers the primary's requests for metrics (nothing yet
 * until {@link shareWithPrimary}), so that a scrape while a worker (re)starts does not wait for it.
 */
export function answerMetricsRequests(): void {
  new AggregatorRegistry(); // installs the worker's listener (idempotent)
}

let aggregator: AggregatorRegistry<PrometheusContentType> | undefined;

/** In the primary: the metrics of every connected worker, aggregated, as Prometheus text. */
export function gatherClusterMetrics(): Promise<string> {
  aggregator ??= new AggregatorRegistry();
  return aggregator.clusterMetrics();
}
