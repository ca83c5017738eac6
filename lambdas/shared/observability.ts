import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BatchSummary } from './batch';
import { type ConsumerName, metricsNamespace } from './constants';

export const createLogger = (consumer: ConsumerName) =>
  new Logger({ serviceName: `image-fanout-${consumer}` });

export const createMetrics = (consumer: ConsumerName) =>
  new Metrics({
    namespace: metricsNamespace,
    serviceName: `image-fanout-${consumer}`,
    defaultDimensions: { consumer },
  });

/** One EMF document per batch: what the dashboard and alarms read. */
export const publishBatchMetrics = (metrics: Metrics, summary: BatchSummary) => {
  metrics.addMetric('RecordsProcessed', MetricUnit.Count, summary.processed);
  metrics.addMetric('RecordsRejected', MetricUnit.Count, summary.rejected);
  metrics.addMetric('RecordsSkipped', MetricUnit.Count, summary.skipped);
  metrics.addMetric('RecordsRetried', MetricUnit.Count, summary.retried);
  metrics.addMetric('BatchDuration', MetricUnit.Milliseconds, summary.durationMs);
  metrics.publishStoredMetrics();
};
