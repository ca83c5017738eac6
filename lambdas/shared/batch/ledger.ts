import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import type { BatchSummary } from './types';

/** What became of one message: each ends processed, rejected or skipped, or is retried. */
export type MessageOutcome = 'processed' | 'rejected' | 'skipped' | 'retried';

/**
 * The batch's book of outcomes, one per message, in the order the messages came. A retry wins over
 * anything recorded for the same message (a message is acknowledged only if all its work stood).
 */
export class BatchLedger {
  private readonly outcomes = new Map<string, MessageOutcome>();
  private readonly receiveCounts = new Map<string, number>();
  private readonly order: readonly string[];

  constructor(records: readonly SQSRecord[]) {
    this.order = records.map((record) => record.messageId);
    for (const record of records) {
      this.outcomes.set(record.messageId, 'skipped');
      this.receiveCounts.set(record.messageId, Number(record.attributes?.ApproximateReceiveCount) || 0);
    }
  }

  settle(messageIds: readonly string[], outcome: Exclude<MessageOutcome, 'retried'>): void {
    for (const id of messageIds) if (this.outcomes.get(id) !== 'retried') this.outcomes.set(id, outcome);
  }

  retry(messageIds: readonly string[]): void {
    for (const id of messageIds) this.outcomes.set(id, 'retried');
  }

  /** The highest delivery count among these messages: the delivery that failed. */
  receiveCount(messageIds: readonly string[]): number {
    return Math.max(0, ...messageIds.map((id) => this.receiveCounts.get(id) ?? 0));
  }

  response(): SQSBatchResponse {
    return {
      batchItemFailures: this.order
        .filter((id) => this.outcomes.get(id) === 'retried')
        .map((id) => ({ itemIdentifier: id })),
    };
  }

  summary(durationMs: number): BatchSummary {
    const count = (outcome: MessageOutcome) =>
      this.order.filter((id) => this.outcomes.get(id) === outcome).length;
    return {
      records: this.order.length,
      processed: count('processed'),
      rejected: count('rejected'),
      skipped: count('skipped'),
      retried: count('retried'),
      durationMs,
    };
  }
}
