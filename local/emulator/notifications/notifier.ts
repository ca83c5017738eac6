import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import pLimit from 'p-limit';
import type { ObjectEvent } from '../backend';
import type { BucketNotificationSpec, QueueSpec } from '../template';
import { eventMatches, keyMatches, s3EventMessage, s3TestEventMessage } from './s3-event';

export interface NotifierOptions {
  readonly notifications: readonly BucketNotificationSpec[];
  readonly queues: readonly QueueSpec[];
  readonly region: string;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  /** Destinations the runtime cannot deliver to (a function) are reported here. */
  readonly onWarning?: (message: string) => void;
  readonly onError?: (error: unknown) => void;
  /** Share of events delivered twice, as S3's at-least-once delivery sometimes does (fault injection). */
  readonly duplicateRate?: number;
}

/**
 * Delivers S3 event notifications from the template's notification configuration, as S3 does:
 * after the write, in the real event shape, to topics and queues. Events of one key go out in the
 * order of the writes; different keys go out side by side, so that under a burst of uploads the
 * backlog builds in the queues (where the consumers' back-pressure acts and the bench sees it), not
 * in this process: one delivery at a time fell behind at 11 uploads/s on 2 busy cores.
 */
export const createNotifier = (options: NotifierOptions) => {
  const queueUrls = new Map(options.queues.map((queue) => [queue.arn, queue.url]));
  /** Deliveries in flight at once; events of one key still go one after another. */
  const limit = pLimit(16);
  /** The last delivery of each key still pending, for the next event of that key to follow. */
  const lastOfKey = new Map<string, Promise<void>>();
  const pending = new Set<Promise<void>>();
  let delivered = 0;

  const send = async (spec: BucketNotificationSpec, message: object) => {
    const body = JSON.stringify(message);
    if (spec.destinationType === 'topic') {
      await options.sns.send(
        new PublishCommand({
          TopicArn: spec.destinationArn,
          Subject: 'Amazon S3 Notification',
          Message: body,
        }),
      );
    } else if (spec.destinationType === 'queue') {
      const queueUrl = queueUrls.get(spec.destinationArn);
      if (queueUrl === undefined)
        throw new Error(`No queue ${spec.destinationArn} for notification ${spec.id}`);
      await options.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    } else {
      options.onWarning?.(
        `Notification ${spec.id} targets a function directly; the local runtime does not deliver it`,
      );
      return;
    }
    delivered++;
  };

  const enqueue = (key: string, work: () => Promise<void>): Promise<void> => {
    const next = (lastOfKey.get(key) ?? Promise.resolve())
      .then(() => limit(work))
      .catch((error: unknown) => options.onError?.(error));
    lastOfKey.set(key, next);
    pending.add(next);
    void next.then(() => {
      pending.delete(next);
      if (lastOfKey.get(key) === next) lastOfKey.delete(key);
    });
    return next;
  };

  return {
    /** Deliver one object event to every configuration that matches it. */
    deliver(event: ObjectEvent) {
      const matching = options.notifications.filter(
        (spec) =>
          spec.bucket === event.bucket &&
          spec.events.some((e) => eventMatches(e, event.eventName)) &&
          keyMatches(spec, event.key),
      );
      return enqueue(`${event.bucket}/${event.key}`, async () => {
        const copies = Math.random() < (options.duplicateRate ?? 0) ? 2 : 1;
        for (let copy = 0; copy < copies; copy++) {
          for (const spec of matching) await send(spec, s3EventMessage(event, spec.id, options.region));
        }
      });
    },
    /** S3 sends an s3:TestEvent to each destination when a notification configuration is set. */
    sendTestEvents() {
      const seen = new Set<string>();
      return enqueue('s3:TestEvent', async () => {
        for (const spec of options.notifications) {
          const id = `${spec.bucket}>${spec.destinationArn}`;
          if (seen.has(id)) continue;
          seen.add(id);
          await send(spec, s3TestEventMessage(spec.bucket));
        }
      });
    },
    /** Resolves when everything handed over so far (and meanwhile) has been delivered. */
    idle: async () => {
      while (pending.size > 0) await Promise.all(pending);
    },
    delivered: () => delivered,
  };
};

export type Notifier = ReturnType<typeof createNotifier>;
