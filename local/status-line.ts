import type { ConsumerStatus } from './runtime';

/** "ImageFanout-local-ThumbnailFunction0B008C4B" -> "thumbnail": the construct's own name. */
export const consumerLabel = (functionName: string): string =>
  functionName
    .replace(/^.*-/, '')
    .replace(/[0-9A-F]{8}$/, '')
    .replace(/Function$/, '')
    .toLowerCase() || functionName;

const cell = (label: string, value: number, width = 5) => `${label} ${String(value).padStart(width)}`;

/**
 * One line per consumer. processed/rejected are the consumer's own counts (its EMF metrics);
 * retried counts messages left for redelivery; backlog and DLQ are the queues' depths.
 */
export const formatStatus = (statuses: readonly ConsumerStatus[]): string =>
  statuses.length === 0
    ? 'no consumers run in this process'
    : statuses
        .map((status) =>
          [
            consumerLabel(status.functionName).padEnd(11),
            cell('in flight', status.messagesInFlight, 3),
            cell('processed', status.metrics.RecordsProcessed ?? 0),
            cell('rejected', status.metrics.RecordsRejected ?? 0, 4),
            cell('retried', status.retried, 4),
            cell('backlog', status.backlog),
            cell('DLQ', status.dlqDepth, 3),
          ].join('  '),
        )
        .join('\n');
