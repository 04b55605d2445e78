import { collectDefaultMetrics, Registry } from 'prom-client';
import { inClusterWorker } from '../../cluster/worker-channel';
import { shareWithPrimary } from './cluster-metrics';

/**
 * The app's metrics registry (a Nest provider, token `Registry`): the process metrics prom-client
 * collects by default (CPU, memory, event loop, GC, handles) plus every recorder of this module.
 *
 * One registry per app instance rather than prom-client's global one, so that several apps in one
 * process (the e2e tests) each count their own requests.
 *
 * Several worker processes (STOCKROOM_WORKERS > 1, node cluster): each worker keeps this registry and
 * hands it to `AggregatorRegistry.setRegistries([registry])`; the primary answers scrapes with
 * `new AggregatorRegistry().clusterMetrics()`, which sums counters and histograms across workers and
 * combines gauges as each declares (`aggregator`: the pool and active-upload gauges sum, the process
 * metrics are summed too). {@link MetricsService.render} in a worker asks the primary.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  if (inClusterWorker()) shareWithPrimary(registry);
  return registry;
}

/** Buckets for transfers that may take from milliseconds to an hour (large files, slow links). */
export const TRANSFER_SECONDS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
