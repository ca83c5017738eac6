/**
 * When each consumer finished each image, read from the consumers' own stage records (their
 * `updatedAt`, set when the record's work is done, written with the batch's flush).
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type ConsumerName, consumerNames } from '../../lambdas/shared/constants';
import { imageIdOf } from '../../lambdas/shared/events';
import { ImageTable } from '../../lambdas/shared/store';

export interface StageDone {
  readonly status: string;
  /** Epoch milliseconds. */
  readonly at: number;
}

/** By upload key, then by consumer: what is recorded so far. */
export type StageTimes = Map<string, Partial<Record<ConsumerName, StageDone>>>;

export interface StageReader {
  /** Reads the records of these keys (BatchGetItem, 100 keys a call) and merges them into `into`. */
  read(keys: readonly string[], into?: StageTimes): Promise<StageTimes>;
}

export const stageReader = (dynamo: DynamoDBClient, tableName: string, bucket: string): StageReader => {
  const table = new ImageTable(DynamoDBDocumentClient.from(dynamo), tableName);
  return {
    async read(keys, into = new Map()) {
      const keyById = new Map(keys.map((key) => [imageIdOf(bucket, key), key]));
      // One consumer at a time: four parallel BatchGets each, never a burst of every key at once.
      for (const consumer of consumerNames) {
        const { stages } = await table.getStages(consumer, keyById.keys());
        for (const [imageId, record] of stages) {
          const key = keyById.get(imageId);
          if (key === undefined) continue;
          const entry = into.get(key) ?? {};
          entry[consumer] = { status: record.status, at: Date.parse(record.updatedAt) };
          into.set(key, entry);
        }
      }
      return into;
    },
  };
};

/** Every consumer has recorded an outcome for the image. */
export const allDone = (entry: Partial<Record<ConsumerName, StageDone>> | undefined) =>
  entry !== undefined && consumerNames.every((consumer) => entry[consumer] !== undefined);

/** When the last of the four finished: the image is done end to end. */
export const allDoneAt = (entry: Partial<Record<ConsumerName, StageDone>>): number =>
  Math.max(...consumerNames.map((consumer) => entry[consumer]?.at ?? Number.NaN));
