import type { ConsumerName, StageStatus } from '../constants';
import type { RejectionCode } from '../errors';

/**
 * One table holds every image's records. All items of an image share its partition key, so a
 * single Query shows where the image stands and what was derived from it. The overloaded GSI
 * serves the search queries (by owner and time, by token, by perceptual-hash band).
 */
export const tableSchema = {
  partitionKey: 'pk',
  sortKey: 'sk',
  termIndex: { name: 'byTerm', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  timeToLiveAttribute: 'expiresAt',
} as const;

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

export const imagePartition = (imageId: string) => `IMAGE#${imageId}`;
export const stageSortKey = (consumer: ConsumerName) => `STAGE#${consumer}`;
export const stageKey = (imageId: string, consumer: ConsumerName): ItemKey => ({
  pk: imagePartition(imageId),
  sk: stageSortKey(consumer),
});

/** A consumer's own record of its work on one image; the image record is the set of them. */
export interface StageRecord<Data extends object = Record<string, unknown>> extends ItemKey {
  readonly imageId: string;
  readonly consumer: ConsumerName;
  readonly bucket: string;
  readonly key: string;
  readonly status: StageStatus;
  readonly sequencer: string;
  readonly eventTime: string;
  readonly updatedAt: string;
  readonly reasonCode?: RejectionCode;
  readonly reason?: string;
  readonly data?: Data;
  /** Epoch seconds; set on tombstones so that a late, older event cannot resurrect a deleted image. */
  readonly expiresAt?: number;
  /** Unique per commit: the next commit is conditional on it, so no two commits ever interleave. */
  readonly commitId?: string;
  /** Sort keys of the items this commit derived into the image's partition (search entries, say). */
  readonly derivedKeys?: readonly string[];
}

/**
 * Why a consumer last failed on an image (a retried error, not a rejection): what an operator
 * needs when the message ends in the DLQ. Kept beside the stage record, expiring with the DLQ.
 */
export const failureSortKey = (consumer: ConsumerName) => `FAILURE#${consumer}`;
export const failureKey = (imageId: string, consumer: ConsumerName): ItemKey => ({
  pk: imagePartition(imageId),
  sk: failureSortKey(consumer),
});

export interface FailureRecord extends ItemKey {
  readonly imageId: string;
  readonly consumer: ConsumerName;
  readonly bucket: string;
  readonly key: string;
  /** The event whose work failed. */
  readonly sequencer: string;
  readonly errorName: string;
  readonly errorMessage: string;
  readonly messageIds: readonly string[];
  /** The highest ApproximateReceiveCount among those messages: the delivery that failed. */
  readonly receiveCount: number;
  readonly at: string;
  /** Epoch seconds, as long as a message can wait in the DLQ. */
  readonly expiresAt: number;
}

/** A message that could not be read as an S3 event, kept (with its reason) for the operator. */
export const unreadableMessageKey = (messageId: string, consumer: ConsumerName): ItemKey => ({
  pk: `MESSAGE#${messageId}`,
  sk: stageSortKey(consumer),
});
export const unreadableMessagesTerm = 'UNREADABLE';

export type TableItem = ItemKey & Record<string, unknown>;

/** DynamoDB's item size limit (names and values, UTF-8): a larger item is refused whole. */
export const maxItemBytes = 400 * 1024;
