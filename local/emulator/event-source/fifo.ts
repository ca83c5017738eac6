/**
 * FIFO sources with ReportBatchItemFailures ("Handling errors for an SQS event source in Lambda"):
 * the function should stop at the first failure and report it and everything after it, "to
 * preserve the ordering of messages in your queue". The event source keeps that promise even when
 * the function does not: a failed message and every later message of its group in the batch are
 * left to come back, in order; the group's earlier messages are deleted.
 */
import type { HeldMessage } from './records';

const groupOf = ({ message }: HeldMessage) => message.Attributes?.MessageGroupId ?? '';

/** The ids to leave in the queue: those reported, and those after them in their message group. */
export const withRestOfGroups = (batch: readonly HeldMessage[], failed: ReadonlySet<string>): Set<string> => {
  const stoppedGroups = new Set<string>();
  const kept = new Set<string>();
  for (const held of batch) {
    const id = held.record.messageId;
    const group = groupOf(held);
    if (failed.has(id)) stoppedGroups.add(group);
    if (stoppedGroups.has(group)) kept.add(id);
  }
  return kept;
};
