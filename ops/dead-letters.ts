import type { Message } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import type { ConsumerName, StageStatus } from '../lambdas/shared/constants';
import { MalformedMessageError } from '../lambdas/shared/errors';
import { type ImageEvent, parseMessage } from '../lambdas/shared/events';
import { type FailureRecord, failureKey, type StageRecord, stageKey } from '../lambdas/shared/store';
import { peekQueue } from '../local/emulator/clients';
import { OpsError } from './errors';
import type { Target } from './target';

/** The consumer's record of the image. */
export interface StageView {
  readonly status: StageStatus;
  readonly sequencer: string;
  readonly updatedAt: string;
  readonly reasonCode?: string;
  readonly reason?: string;
}

/** Why the consumer last failed on the image (a retried error), as the batch runtime noted it. */
export interface FailureView {
  readonly errorName: string;
  readonly errorMessage: string;
  readonly at: string;
  readonly receiveCount: number;
  readonly sequencer: string;
  /** The stage has recorded an outcome for this event or a newer one since. */
  readonly resolved: boolean;
}

export interface DeadLetterImage {
  readonly bucket: string;
  readonly key: string;
  readonly imageId: string;
  readonly event: ImageEvent['kind'];
  readonly sequencer: string;
  /** An operator's reprocess request rather than an S3 event. */
  readonly reprocess: boolean;
  readonly stage?: StageView;
  readonly failure?: FailureView & { readonly sameEvent: boolean };
}

export interface DeadLetter {
  readonly consumer: ConsumerName;
  readonly messageId: string;
  readonly sentAt?: string;
  /** SQS's ApproximateReceiveCount, this look included. */
  readonly receiveCount: number;
  readonly content: 'events' | 'test-event' | 'unreadable';
  /** Why the body cannot be read as an S3 event. */
  readonly unreadable?: string;
  readonly images: readonly DeadLetterImage[];
  /** The whole body (`dlq show` only). */
  readonly body?: string;
  readonly messageAttributes?: Readonly<Record<string, string>>;
}

export interface DeadLetterListing {
  readonly consumer: ConsumerName;
  readonly messages: readonly DeadLetter[];
  /** The limit was reached: the DLQ may hold more. */
  readonly more: boolean;
}

const stageView = (item: StageRecord | undefined): StageView | undefined =>
  item === undefined
    ? undefined
    : {
        status: item.status,
        sequencer: item.sequencer,
        updatedAt: item.updatedAt,
        ...(item.reasonCode ? { reasonCode: item.reasonCode } : {}),
        ...(item.reason ? { reason: item.reason } : {}),
      };

/** The failure note, and whether the stage has since recorded an outcome for that event or a newer one. */
export const failureView = (failure: FailureRecord | undefined, stage: StageView | undefined) =>
  failure === undefined
    ? undefined
    : {
        errorName: failure.errorName,
        errorMessage: failure.errorMessage,
        at: failure.at,
        receiveCount: failure.receiveCount,
        sequencer: failure.sequencer,
        resolved: stage !== undefined && stage.sequencer >= failure.sequencer && stage.updatedAt > failure.at,
      };

const getItem = async <T>(target: Target, key: { pk: string; sk: string }) =>
  (await target.doc.send(new GetCommand({ TableName: target.tableName, Key: key, ConsistentRead: true })))
    .Item as T | undefined;

/** The consumer's stage record and failure note for an image. */
export const consumerRecords = async (target: Target, consumer: ConsumerName, imageId: string) => {
  const [stage, failure] = await Promise.all([
    getItem<StageRecord>(target, stageKey(imageId, consumer)),
    getItem<FailureRecord>(target, failureKey(imageId, consumer)),
  ]);
  const view = stageView(stage);
  return { stage: view, failure: failureView(failure, view) };
};

const describeMessage = async (
  target: Target,
  consumer: ConsumerName,
  message: Message,
  full: boolean,
): Promise<DeadLetter> => {
  const body = message.Body ?? '';
  const sent = Number(message.Attributes?.SentTimestamp);
  const base = {
    consumer,
    messageId: message.MessageId ?? '',
    ...(Number.isFinite(sent) ? { sentAt: new Date(sent).toISOString() } : {}),
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    ...(full
      ? {
          body,
          messageAttributes: Object.fromEntries(
            Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
              name,
              value.StringValue ?? `(${value.DataType})`,
            ]),
          ),
        }
      : {}),
  };
  let parsed: ReturnType<typeof parseMessage>;
  try {
    parsed = parseMessage({ body });
  } catch (error) {
    if (!(error instanceof MalformedMessageError)) throw error;
    return { ...base, content: 'unreadable', unreadable: error.message, images: [] };
  }
  if (parsed.type === 'test-event') return { ...base, content: 'test-event', images: [] };
  const images = await Promise.all(
    parsed.events.map(async (event): Promise<DeadLetterImage> => {
      const { stage, failure } = await consumerRecords(target, consumer, event.imageId);
      return {
        bucket: event.bucket,
        key: event.key,
        imageId: event.imageId,
        event: event.kind,
        sequencer: event.sequencer,
        reprocess: event.force === true,
        ...(stage ? { stage } : {}),
        ...(failure ? { failure: { ...failure, sameEvent: failure.sequencer === event.sequencer } } : {}),
      };
    }),
  );
  return { ...base, content: 'events', images };
};

/** The messages of each consumer's DLQ, with the image each concerns and why it failed. */
export const listDeadLetters = async (
  target: Target,
  consumers: readonly ConsumerName[],
  { limit = 100 }: { limit?: number } = {},
): Promise<DeadLetterListing[]> =>
  Promise.all(
    consumers.map((consumer) =>
      peekQueue(target.sqs, target.consumers[consumer].deadLetterQueueUrl, { limit }, async (messages) => {
        const describe = pLimit(8);
        return {
          consumer,
          messages: await Promise.all(
            messages.map((message) => describe(() => describeMessage(target, consumer, message, false))),
          ),
          more: messages.length >= limit,
        };
      }),
    ),
  );

/** How many messages `dlq show` looks through for the one asked for. */
const showSearchLimit = 1_000;

/** One DLQ message in full: body, attributes, images, stage records and failure notes. */
export const showDeadLetter = async (
  target: Target,
  consumer: ConsumerName,
  messageId: string,
): Promise<DeadLetter> => {
  const found = await peekQueue(
    target.sqs,
    target.consumers[consumer].deadLetterQueueUrl,
    { limit: showSearchLimit, until: (message) => message.MessageId === messageId },
    async (messages) => {
      const message = messages.find((candidate) => candidate.MessageId === messageId);
      return message && describeMessage(target, consumer, message, true);
    },
  );
  if (found === undefined) {
    throw new OpsError(
      `No message ${messageId} in the ${consumer} DLQ. It may have been redriven, or be held by ` +
        'someone else listing or redriving it (it comes back within 30 s to a few minutes).',
    );
  }
  return found;
};
