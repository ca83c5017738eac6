/** What `status()` answers per event source: its poller's and host's counters, queue depths, metrics. */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { emptyQueueDepth, queueDepth } from '../clients';
import type { EmfDocument } from '../lambda';
import type { EventSource } from './event-sources';
import type { ConsumerStatus } from './options';

/** Sums of the EMF metrics each function printed, by metric name. */
export class MetricSums {
  private readonly sums = new Map<string, Record<string, number>>();

  add(emf: EmfDocument, functionName: string): void {
    const sums = this.sums.get(functionName) ?? {};
    this.sums.set(functionName, sums);
    for (const directive of emf._aws.CloudWatchMetrics) {
      const metrics = (directive as { Metrics?: { Name?: string }[] }).Metrics ?? [];
      for (const { Name } of metrics) {
        const value = Name === undefined ? undefined : emf[Name];
        for (const v of Array.isArray(value) ? value : [value])
          if (Name !== undefined && typeof v === 'number') sums[Name] = (sums[Name] ?? 0) + v;
      }
    }
  }

  of(functionName: string): Record<string, number> {
    return { ...this.sums.get(functionName) };
  }
}

export const consumerStatus = async (
  source: EventSource,
  sqs: SQSClient,
  metrics: MetricSums,
): Promise<ConsumerStatus> => {
  const { mapping, fn, queue, dlq } = source;
  const [waiting, dead] = await Promise.all([
    queueDepth(sqs, queue.url),
    dlq === undefined ? emptyQueueDepth : queueDepth(sqs, dlq.url),
  ]);
  const polled = source.poller.stats();
  const hosted = source.host.stats();
  return {
    mapping: mapping.logicalId,
    functionName: fn.name,
    queueName: queue.name,
    ...(dlq ? { dlqName: dlq.name } : {}),
    concurrency: source.concurrency,
    currentConcurrency: polled.concurrency,
    throttles: polled.throttles,
    messagesInFlight: polled.messagesInFlight,
    invocationsInFlight: polled.invocationsInFlight,
    invocations: polled.invocations,
    deleted: polled.deleted,
    retried: polled.retried,
    filteredOut: polled.filteredOut,
    coldStarts: hosted.coldStarts,
    timeouts: hosted.timeouts,
    errors: hosted.errors,
    backlog: waiting.visible,
    notVisible: waiting.notVisible,
    dlqDepth: dead.visible + dead.notVisible,
    metrics: metrics.of(fn.name),
    ...(hosted.lastError ? { lastError: hosted.lastError } : {}),
  };
};
