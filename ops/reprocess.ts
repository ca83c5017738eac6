import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { type ConsumerName, stageStatuses } from '../lambdas/shared/constants';
import { imageIdOf, normalizeSequencer, reprocessMessageBody } from '../lambdas/shared/events';
import { ImageTable, type StageRecord, stageSortKey } from '../lambdas/shared/store';
import { OpsError } from './errors';
import type { Target } from './target';

export type ReprocessOutcome =
  | {
      readonly consumer: ConsumerName;
      readonly sent: true;
      readonly messageId: string;
      readonly sequencer: string;
    }
  | { readonly consumer: ConsumerName; readonly sent: false; readonly reason: string };

export interface ReprocessResult {
  readonly bucket: string;
  readonly key: string;
  readonly imageId: string;
  readonly consumers: readonly ReprocessOutcome[];
}

/** Sequencer of an image nobody has recorded yet: any real event is newer and wins. */
const noSequencer = normalizeSequencer('0');

/** The upload's LastModified; an upload that is not there cannot be reprocessed. */
const uploadedAt = async (target: Target, bucket: string, key: string): Promise<string> => {
  try {
    const head = await target.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return (head.LastModified ?? new Date()).toISOString();
  } catch (error) {
    if ((error as Error).name === 'NotFound' || (error as Error).name === 'NoSuchKey') {
      throw new OpsError(`s3://${bucket}/${key} does not exist: there is nothing to reprocess`);
    }
    throw error;
  }
};

/**
 * Asks each consumer to redo an image: a reprocess request on its queue, carrying the sequencer of
 * the result the consumer stored, so that the batch runtime redoes exactly that result and a newer
 * upload still wins.
 */
export const reprocess = async (
  target: Target,
  key: string,
  consumers: readonly ConsumerName[],
  { bucket = target.uploadsBucket, now = new Date() }: { bucket?: string; now?: Date } = {},
): Promise<ReprocessResult> => {
  const lastModified = await uploadedAt(target, bucket, key);
  const imageId = imageIdOf(bucket, key);
  const stages = (await new ImageTable(target.doc, target.tableName).itemsOfImage(
    imageId,
    'STAGE#',
  )) as unknown as StageRecord[];
  // A consumer with no record of its own (its message expired in a DLQ, say) redoes the newest event known.
  const newest = stages.reduce<StageRecord | undefined>(
    (best, stage) => (best === undefined || stage.sequencer > best.sequencer ? stage : best),
    undefined,
  );
  const outcomes = await Promise.all(
    consumers.map(async (consumer): Promise<ReprocessOutcome> => {
      const own = stages.find((stage) => stage.sk === stageSortKey(consumer));
      if (own?.status === stageStatuses.deleted) {
        return {
          consumer,
          sent: false,
          reason:
            'its record is a deletion: the upload was replaced since, and its new event is still on its way ' +
            '(queue or DLQ)',
        };
      }
      const basis = own ?? newest;
      const sequencer = basis?.sequencer ?? noSequencer;
      const { MessageId } = await target.sqs.send(
        new SendMessageCommand({
          QueueUrl: target.consumers[consumer].queueUrl,
          MessageBody: reprocessMessageBody({
            bucket,
            key,
            sequencer,
            eventTime: basis?.eventTime ?? lastModified,
            requestedAt: now.toISOString(),
          }),
        }),
      );
      return { consumer, sent: true, messageId: MessageId ?? '', sequencer };
    }),
  );
  return { bucket, key, imageId, consumers: outcomes };
};
