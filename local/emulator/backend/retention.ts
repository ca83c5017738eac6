import type { SqsMessageLike, SqsQueueLike, SqsStoreLike } from './fauxqs-internals';

/** A FIFO group stays locked while fauxqs counts a message of it in flight; a dropped one no longer is. */
const releaseGroup = (queue: SqsQueueLike, message: SqsMessageLike) => {
  const group = message.messageGroupId ?? '__default';
  const inFlight = (queue.fifoLockedGroups.get(group) ?? 1) - 1;
  if (inFlight > 0) queue.fifoLockedGroups.set(group, inFlight);
  else queue.fifoLockedGroups.delete(group);
};

const dropExpired = (queue: SqsQueueLike, now: number): number => {
  const retentionMs = Number(queue.attributes.MessageRetentionPeriod ?? 345_600) * 1000;
  const alive = (message: SqsMessageLike) => message.sentTimestamp + retentionMs > now;
  let dropped = 0;
  const keep = (messages: SqsMessageLike[]) => {
    const kept = messages.filter(alive);
    dropped += messages.length - kept.length;
    return kept;
  };
  queue.messages = keep(queue.messages);
  queue.delayedMessages = keep(queue.delayedMessages);
  for (const [group, messages] of queue.fifoMessages) queue.fifoMessages.set(group, keep(messages));
  for (const [handle, entry] of queue.inflightMessages) {
    if (!alive(entry.message)) {
      queue.inflightMessages.delete(handle);
      if (queue.isFifo()) releaseGroup(queue, entry.message);
      dropped++;
    }
  }
  return dropped;
};

/**
 * Drops messages that outlived their queue's MessageRetentionPeriod (fauxqs keeps them forever),
 * every `intervalMs`, by the clock given; counts them per queue name. Returns a stop function.
 */
export const sweepExpiredMessages = (
  store: SqsStoreLike,
  intervalMs: number,
  now: () => number,
  expired: Map<string, number>,
): (() => void) => {
  if (intervalMs <= 0) return () => {};
  const sweeper = setInterval(() => {
    const time = now();
    for (const queue of store.queues.values()) {
      const dropped = dropExpired(queue, time);
      if (dropped > 0) expired.set(queue.name, (expired.get(queue.name) ?? 0) + dropped);
    }
  }, intervalMs);
  sweeper.unref();
  return () => clearInterval(sweeper);
};
