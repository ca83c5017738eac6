import { setTimeout as sleep } from 'node:timers/promises';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import type { EventSourceMappingSpec } from '../template';
import { BackgroundLoop } from './background-loop';
import { type BatchVerdict, judgeBatch } from './batch-response';
import { withRestOfGroups } from './fifo';
import { passesFilters } from './filter';
import { BatchGatherer } from './gather';
import { type QueuePort, sqsQueuePort } from './queue';
import { type HeldMessage, holdMessage, type LambdaSqsEvent, toEvent } from './records';
import { type BatchOutcome, batchOutcomes, ConcurrencyScaler } from './scaling';
import { defaultQueueSettings, type PollSettings, pollSettings, type QueueSettings } from './settings';
import type { DispatchOutcome } from './throttle';
import { guardVisibility } from './visibility-guard';

export interface BatchReport {
  readonly mapping: string;
  readonly size: number;
  readonly verdict: BatchVerdict;
  readonly deleted: number;
  readonly retried: number;
  readonly durationMs: number;
  /** ApproximateReceiveCount of each message in the batch, by message id. */
  readonly receiveCounts: ReadonlyMap<string, number>;
  /** Invoke attempts throttled by the function's reserved concurrency before the last one. */
  readonly throttles: number;
}

export interface PollerStats {
  readonly invocationsInFlight: number;
  readonly messagesInFlight: number;
  readonly invocations: number;
  readonly deleted: number;
  readonly retried: number;
  readonly filteredOut: number;
  readonly throttles: number;
  /** Batches the mapping may run at once now (it scales between 1 and its ceiling). */
  readonly concurrency: number;
}

export interface SqsPollerOptions {
  readonly mapping: EventSourceMappingSpec;
  readonly queueUrl: string;
  readonly region: string;
  readonly sqs: SQSClient;
  /** The queue's visibility timeout and type; SQS's defaults (FIFO by the name) when left out. */
  readonly queue?: QueueSettings;
  /** The function's timeout, for the visibility timeout rule; Lambda's default of 3 s when left out. */
  readonly functionTimeoutSeconds?: number;
  readonly invoke: (event: SQSEvent) => Promise<DispatchOutcome>;
  /** The most invocations at once: MaximumConcurrency, Lambda's ceiling or the runtime's cap. */
  readonly maxConcurrency: number;
  readonly onBatch?: (report: BatchReport) => void;
  readonly onError?: (error: unknown) => void;
  /**
   * Share of succeeded messages whose delete is dropped (fault injection): they come back after
   * the visibility timeout, the same message delivered twice, as SQS's at-least-once allows.
   */
  readonly lostDeleteRate?: number;
}

const lambdaDefaultTimeoutSeconds = 3;
/** How often the poller asks its scaler whether to grow (the scaler keeps Lambda's pace). */
const scalingTickMs = 50;
/** First pause before a throttled batch is tried again; it doubles up to a second. */
const throttleRetry = { firstDelayMs: 100, maxDelayMs: 1_000 } as const;

/** @types/aws-lambda types md5OfMessageAttributes as an optional string; Lambda sends null. */
const asSqsEvent = (event: LambdaSqsEvent) => event as unknown as SQSEvent;

/**
 * Lambda's SQS event source mapping: gathers batches (batch size, batching window, payload limit,
 * filters), runs as many at once as its scaling allows, retries throttled invocations, and deletes
 * what the response says succeeded. Failed messages are left alone: they come back after the
 * visibility timeout with a higher ApproximateReceiveCount, and SQS moves them to the DLQ after
 * maxReceiveCount.
 */
export class SqsPoller {
  private readonly background = new BackgroundLoop();
  private readonly dispatches = new Set<Promise<void>>();
  private readonly waiters: (() => void)[] = [];
  private readonly counters = {
    invocations: 0,
    deleted: 0,
    retried: 0,
    filteredOut: 0,
    messagesInFlight: 0,
    throttles: 0,
  };
  private readonly settings: PollSettings;
  private readonly queue: QueuePort;
  private readonly gatherer: BatchGatherer;
  private readonly scaler: ConcurrencyScaler;

  constructor(private readonly options: SqsPollerOptions) {
    const { mapping, region } = options;
    const queue = options.queue ?? defaultQueueSettings(mapping.eventSourceArn);
    this.settings = pollSettings(
      mapping,
      queue,
      options.functionTimeoutSeconds ?? lambdaDefaultTimeoutSeconds,
    );
    this.queue = sqsQueuePort({
      sqs: options.sqs,
      queueUrl: options.queueUrl,
      signal: this.background.signal,
      visibilityTimeoutSeconds: this.settings.receiveVisibilityTimeoutSeconds,
    });
    this.gatherer = new BatchGatherer({
      queue: this.queue,
      settings: this.settings,
      hold: (message) => holdMessage(message, mapping.eventSourceArn, region),
      accepts: ({ record }) => passesFilters(mapping.filterPatterns, record),
      isRunning: () => this.background.isRunning,
      signal: this.background.signal,
      onFilteredOut: (count) => {
        this.counters.filteredOut += count;
      },
    });
    this.scaler = new ConcurrencyScaler({ ceiling: options.maxConcurrency });
  }

  start(): void {
    this.background.start(() => this.run());
  }

  /** Stops polling and waits for the invocations under way to finish and be acknowledged. */
  async stop(): Promise<void> {
    await this.background.stop(
      () => this.dispatches,
      () => this.wake(),
    );
  }

  stats(): PollerStats {
    return { ...this.counters, invocationsInFlight: this.dispatches.size, concurrency: this.scaler.allowed };
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  private async slot(): Promise<void> {
    while (this.background.isRunning && this.dispatches.size >= this.scaler.allowed) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private async run(): Promise<void> {
    const growth = setInterval(() => {
      if (this.scaler.tick(this.dispatches.size)) this.wake();
    }, scalingTickMs).unref();
    try {
      while (this.background.isRunning) {
        await this.slot();
        if (!this.background.isRunning) break;
        const batch = await this.gatherOnce();
        if (batch === undefined || batch.length === 0) continue;
        const dispatch = this.dispatch(batch).finally(() => {
          this.dispatches.delete(dispatch);
          this.wake();
        });
        this.dispatches.add(dispatch);
      }
    } finally {
      clearInterval(growth);
    }
  }

  private async gatherOnce(): Promise<readonly HeldMessage[] | undefined> {
    try {
      const gathered = await this.gatherer.gather();
      this.scaler.observeGather(gathered.messages.length, gathered.full);
      return gathered.messages;
    } catch (error) {
      if (!this.background.isRunning) return undefined;
      this.options.onError?.(error);
      await sleep(1_000);
      return undefined;
    }
  }

  private async dispatch(batch: readonly HeldMessage[]): Promise<void> {
    const { mapping } = this.options;
    const started = Date.now();
    this.counters.invocations++;
    this.counters.messagesInFlight += batch.length;
    try {
      const ids = batch.map(({ record }) => record.messageId);
      const { outcome, throttles } = await this.invokeWithRetries(batch);
      const verdict = judgeBatch(outcome, ids, mapping.reportBatchItemFailures);
      if (outcome.status !== 'throttled') this.scaler.observeOutcome(scalingOutcome(verdict));
      const failed = this.leftInQueue(batch, verdict);
      const succeeded = batch.filter(({ record }) => !failed.has(record.messageId));
      await this.acknowledge(succeeded);
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
          batch.map(({ record }) => [record.messageId, Number(record.attributes.ApproximateReceiveCount)]),
        ),
        throttles,
      });
    } catch (error) {
      this.options.onError?.(error);
    } finally {
      this.counters.messagesInFlight -= batch.length;
    }
  }

  /**
   * Throttled attempts are retried, backing off, while a retry could still finish inside the
   * messages' visibility timeout; then the batch is let go and comes back from the queue.
   */
  private async invokeWithRetries(
    batch: readonly HeldMessage[],
  ): Promise<{ outcome: DispatchOutcome; throttles: number }> {
    const event = asSqsEvent(toEvent(batch));
    const receivedAt = Math.min(...batch.map((held) => held.receivedAt));
    const deadline = receivedAt + this.settings.visibilityTimeoutSeconds * 1000;
    const timeoutMs = this.settings.functionTimeoutSeconds * 1000;
    let delay: number = throttleRetry.firstDelayMs;
    for (let throttles = 0; ; throttles++) {
      const guard = guardVisibility({
        queue: this.queue,
        batch,
        visibleAt: deadline,
        extendSeconds: this.settings.functionTimeoutSeconds + 1,
        onError: (error) => this.options.onError?.(error),
      });
      const outcome = await this.options.invoke(event).finally(() => guard.stop());
      if (outcome.status !== 'throttled') return { outcome, throttles };
      this.counters.throttles++;
      this.scaler.observeOutcome(batchOutcomes.throttled);
      if (!this.background.isRunning || Date.now() + delay + timeoutMs > deadline)
        return { outcome, throttles };
      await sleep(delay);
      delay = Math.min(delay * 2, throttleRetry.maxDelayMs);
    }
  }

  /** The ids the verdict leaves in the queue; on FIFO, with the rest of each failed message's group. */
  private leftInQueue(batch: readonly HeldMessage[], verdict: BatchVerdict): Set<string> {
    const ids = batch.map(({ record }) => record.messageId);
    const failed = new Set(
      verdict.kind === 'all-failed' ? ids : verdict.kind === 'partial' ? verdict.failed : [],
    );
    return this.settings.fifo && verdict.kind === 'partial' ? withRestOfGroups(batch, failed) : failed;
  }

  private async acknowledge(succeeded: readonly HeldMessage[]): Promise<void> {
    const lost = this.options.lostDeleteRate ?? 0;
    const deleted = lost > 0 ? succeeded.filter(() => Math.random() >= lost) : succeeded;
    await this.queue.delete(deleted.map(({ message }) => message));
  }
}

const scalingOutcome = (verdict: BatchVerdict): BatchOutcome =>
  verdict.kind === 'all-failed' ? batchOutcomes.functionError : batchOutcomes.succeeded;
