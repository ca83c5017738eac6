/** The consumers as the micro jobs run them (the deployed handler modules), and what the jobs share. */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { ConsumerName } from '../../lambdas/shared/constants';
import type { BenchObject } from '../events';

export type Handler = (event: SQSEvent) => Promise<SQSBatchResponse>;

const handlerModules: Record<ConsumerName, () => Promise<{ handler: Handler }>> = {
  thumbnail: () => import('../../lambdas/thumbnail/handler'),
  moderation: () => import('../../lambdas/moderation/handler'),
  metadata: () => import('../../lambdas/metadata/handler'),
  indexing: () => import('../../lambdas/indexing/handler'),
};

/** The handler module the stack deploys; loading it builds its clients and runtime, as a cold start does. */
export const deployedHandler = async (consumer: ConsumerName): Promise<Handler> =>
  (await handlerModules[consumer]()).handler;

export const fetchBodies = (s3: S3Client, bucket: string, objects: readonly BenchObject[]) =>
  Promise.all(
    objects.map(async ({ key }) => {
      const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from((await response.Body?.transformToByteArray()) ?? new Uint8Array());
    }),
  );

/** Each side's runs alternate: A/B, then B/A, so that neither always runs first on a drifting machine. */
export const alternated = <T>(sides: readonly T[], round: number): readonly T[] =>
  sides.map((_, i) => sides[(i + round) % sides.length] as T);
