import type { ConsumerStatus } from '../emulator';

/** "ImageFanout-local-ThumbnailFunction0B008C4B" -> "thumbnail": the construct's own name. */
export const consumerLabel = (functionName: string): string =>
  functionName
    .replace(/^.*-/, '')
    .replace(/[0-9A-F]{8}$/, '')
    .replace(/Function$/, '')
    .toLowerCase() || functionName;

const cell = (label: string, value: number, width = 5) => `${label} ${String(value).padStart(width)}`;

const lastErrorWidth = 110;

/** "  last error 12:03:04 Runtime.ImportModuleError: Error: Cannot find module 'x'", on one line. */
const lastErrorLine = ({ lastError }: ConsumerStatus): string[] => {
  if (lastError === undefined) return [];
  const text = `${lastError.errorType}: ${lastError.errorMessage}`.replace(/\s+/g, ' ');
  const clipped = text.length > lastErrorWidth ? `${text.slice(0, lastErrorWidth - 3)}...` : text;
  return [`${''.padEnd(11)}  last error ${lastError.at.slice(11, 19)}  ${clipped}`];
};

/**
 * One line per consumer. processed/rejected are the consumer's own counts (its EMF metrics);
 * retried counts messages left for redelivery; backlog and DLQ are the queues' depths. A consumer
 * whose function has failed as a whole gets a second line with the last such error.
 */
export const formatStatus = (statuses: readonly ConsumerStatus[]): string =>
  statuses.length === 0
    ? 'no consumers run in this process'
    : statuses
        .flatMap((status) => [
          [
            consumerLabel(status.functionName).padEnd(11),
            cell('in flight', status.messagesInFlight, 3),
            cell('processed', status.metrics.RecordsProcessed ?? 0),
            cell('rejected', status.metrics.RecordsRejected ?? 0, 4),
            cell('retried', status.retried, 4),
            cell('backlog', status.backlog),
            cell('DLQ', status.dlqDepth, 3),
          ].join('  '),
          ...lastErrorLine(status),
        ])
        .join('\n');
