import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type ConsumerName, consumerNames, type StageStatus } from '../../lambdas/shared/constants';
import { imageIdOf } from '../../lambdas/shared/events';
import { ImageTable, stageSortKey } from '../../lambdas/shared/store';

export interface StageView {
  readonly status: StageStatus;
  readonly reasonCode?: string;
  readonly reason?: string;
  readonly updatedAt?: string;
  /** The S3 sequencer of the event this record is the result of. */
  readonly sequencer?: string;
  readonly data?: Record<string, unknown>;
}

/** Where one upload stands: each consumer's own record of it, read from the images table. */
export interface ImageStanding {
  readonly bucket: string;
  readonly key: string;
  readonly imageId: string;
  readonly stages: Partial<Record<ConsumerName, StageView>>;
  /** Every consumer has recorded an outcome (processed, rejected or deleted). */
  readonly settled: boolean;
}

export const imageStanding = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  bucket: string,
  key: string,
): Promise<ImageStanding> => {
  const imageId = imageIdOf(bucket, key);
  const items = await new ImageTable(doc, tableName).itemsOfImage(imageId, 'STAGE#');
  const stages: Partial<Record<ConsumerName, StageView>> = {};
  for (const consumer of consumerNames) {
    const item = items.find((candidate) => candidate.sk === stageSortKey(consumer));
    if (item === undefined) continue;
    stages[consumer] = {
      status: item.status as StageStatus,
      ...(typeof item.reasonCode === 'string' ? { reasonCode: item.reasonCode } : {}),
      ...(typeof item.reason === 'string' ? { reason: item.reason } : {}),
      ...(typeof item.updatedAt === 'string' ? { updatedAt: item.updatedAt } : {}),
      ...(typeof item.sequencer === 'string' ? { sequencer: item.sequencer } : {}),
      ...(typeof item.data === 'object' && item.data !== null
        ? { data: item.data as Record<string, unknown> }
        : {}),
    };
  }
  return {
    bucket,
    key,
    imageId,
    stages,
    settled: consumerNames.every((consumer) => stages[consumer] !== undefined),
  };
};
