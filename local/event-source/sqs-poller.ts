import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { InvokeOutcome } from '../lambda/host';
import type { EventSourceMappingSpec } from '../template/types';
import { type BatchVerdict, judgeBatch } from './batch-response';
import { passesFilters } from './filter';

export interface BatchReport {
  readonly mapping: string;
  readonly size: number;
  readonly verdict: BatchVerdict;
  readonly deleted: number;
  readonly retried: number;
  readonly durationMs: number;
  /** ApproximateReceiveCount of each message in the batch, by message id. */
  readonly receiveCounts: ReadonlyMap<string, number>;
}

export interface PollerStats {
  readonly invocationsInFlight: number;
  readonly messagesInFlight: number;
  readonly invocations: number;
  readonly deleted: number;
  readonly retried: number;
  readonly filteredOut: number;
}

export interface SqsPollerOptions {
  readonly mapping: EventSourceMappingSpec;
  readonly queueUrl: string;
  readonly region: string;
  readonly sqs: SQSClient;
  readonly invoke: (event: SQSEvent) => Promise<InvokeOutcome>;
  /** Invocations at once: the mapping's MaximumConcurrency, or the runtime's cap when it has none. */
  readonly maxConcurrency: number;
  readonly onBatch?: (report: BatchReport) => void;
  readonly onError?: (error: unknown) => void;
  /**
   * Share of succeeded messages whose delete is dropped (fault injection): they come back after
   * the visibility timeout, the same message delivered twice, as SQS's at-least-once allows.
   */
  readonly lostDeleteRate?: number;
}

/** SQS allows 10 messages a receive and 10 entries a batch delete; long polls last at most 20 s. */
const receiveLimit = 10;
const longPollSeconds = 20;

const toRecord = (message: Message, queueArn: string, region: string): SQSRecord => ({
  messageId: message.MessageId ?? '',
  receiptHandle: message.ReceiptHandle ?? '',
  body: message.Body ?? '',
  attributes: { ...message.Attributes } as SQSRecord['attributes'],
  messageAttributes: Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
      name,
      {
        stringValue: value.StringValue,
        binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : undefined,
        stringListValues: value.StringListValues ?? [],
        binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
        dataType: value.DataType ?? 'String',
      },
    ]),
  ),
  md5OfBody: message.MD5OfBody ?? '',
  ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
  eventSource: 'aws:sqs',
  eventSourceARN: queueArn,
  awsRegion: region,
});

/**
 * Lambda's SQS event source mapping: long-polls the queue, gathers batches (batch size, batching
 * window), drops records that no filter matches, invokes at most `maxConcurrency` at once, and
 * deletes what the response says succeeded. Failed messages are left alone: they come back after
 * the visibility timeout with a higher ApproximateReceiveCount, and SQS moves them to the DLQ
 * after maxReceiveCount.
 */
export class SqsPoller {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private readonly dispatches = new Set<Promise<void>>();
  private readonly waiters: (() => void)[] = [];
  private counters = { invocations: 0, deleted: 0, retried: 0, filteredOut: 0, messagesInFlight: 0 };

  constructor(private readonly options: SqsPollerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops polling and waits for the invocations under way to finish and be acknowledged. */
  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    for (const wake of this.waiters.splice(0)) wake();
    await this.loop;
    await Promise.allSettled([...this.dispatches]);
  }

  stats(): PollerStats {
    return { ...this.counters, invocationsInFlight: this.dispatches.size };
  }

  private async slot(): Promise<void> {
    while (this.running && this.dispatches.size >= this.options.maxConcurrency) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.slot();
      if (!this.running) break;
      let batch: Message[];
      try {
        batch = await this.gather();
      } catch (error) {
        if (!this.running) break;
        this.options.onError?.(error);
        await sleep(1_000);
        continue;
      }
      if (batch.length === 0) continue;
      const dispatch = this.dispatch(batch).finally(() => {
        this.dispatches.delete(dispatch);
        this.waiters.shift()?.();
      });
      this.dispatches.add(dispatch);
    }
  }

  private async receive(max: number, waitSeconds: number): Promise<Message[]> {
    const response = await this.options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.abort.signal },
    );
    return response.Messages ?? [];
  }

  /** One batch: full, or as much as the batching window gathered (window 0: one receive). */
  private async gather(): Promise<Message[]> {
    const {
      batchSize,
      maximumBatchingWindowSeconds: window,
      filterPatterns,
      eventSourceArn,
    } = this.options.mapping;
    const batch: Message[] = [];
    const filteredOut: Message[] = [];
    let deadline = Number.POSITIVE_INFINITY;
    while (this.running && batch.length < batchSize) {
      const remainingMs = deadline - Date.now();
      if (batch.length > 0 && (window === 0 || remainingMs <= 0)) break;
      const wait =
        batch.length === 0 ? longPollSeconds : Math.min(longPollSeconds, Math.ceil(remainingMs / 1000));
      const received = await this.receive(Math.min(receiveLimit, batchSize - batch.length), wait);
      for (const message of received) {
        const record = toRecord(message, eventSourceArn, this.options.region);
        (passesFilters(filterPatterns, record as unknown as { body: string }) ? batch : filteredOut).push(
          message,
        );
      }
      if (batch.length > 0 && deadline === Number.POSITIVE_INFINITY) deadline = Date.now() + window * 1000;
    }
    // Lambda deletes the messages that match no filter: they would never be delivered otherwise.
    if (filteredOut.length > 0) {
      this.counters.filteredOut += filteredOut.length;
      await this.delete(filteredOut);
    }
    return batch;
  }

  private async dispatch(batch: Message[]): Promise<void> {
    const { mapping, region } = this.options;
    const started = Date.now();
    this.counters.invocations++;
    this.counters.messagesInFlight += batch.length;
    try {
      const event: SQSEvent = { Records: batch.map((m) => toRecord(m, mapping.eventSourceArn, region)) };
      const ids = event.Records.map((record) => record.messageId);
      const outcome = await this.options.invoke(event);
      const verdict = judgeBatch(outcome, ids, mapping.reportBatchItemFailures);
      const failed = new Set(
        verdict.kind === 'all-failed' ? ids : verdict.kind === 'partial' ? verdict.failed : [],
      );
      const succeeded = batch.filter((message) => !failed.has(message.MessageId ?? ''));
      const lost = this.options.lostDeleteRate ?? 0;
      await this.delete(lost > 0 ? succeeded.filter(() => Math.random() >= lost) : succeeded);
      this.counters.deleted += succeeded.length;
      this.counters.retried += failed.size;
      this.options.onBatch?.({
        mapping: mapping.logicalId,
        size: batch.length,
        verdict,
        deleted: succeeded.length,
        retried: failed.size,
        durationMs: Date.now() - started,
        receiveCounts: new Map(
          event.Records.map((record) => [
            record.messageId,
            Number(record.attributes.ApproximateReceiveCount),
          ]),
        ),
      });
    } catch (error) {
      this.options.onError?.(error);
    } finally {
      this.counters.messagesInFlight -= batch.length;
    }
  }

  private async delete(messages: readonly Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += receiveLimit) {
      const chunk = messages.slice(i, i + receiveLimit);
      await this.options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: chunk.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
    }
  }
}
