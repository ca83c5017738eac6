import { createIndexingStage } from '../../lambdas/indexing/stage';
import { createMetadataStage } from '../../lambdas/metadata/stage';
import { createOfflineProvider } from '../../lambdas/moderation/providers/offline';
import { createModerationStage } from '../../lambdas/moderation/stage';
import type { Stage } from '../../lambdas/shared/batch';
import type { AwsClients } from '../../lambdas/shared/clients';
import type { ConsumerName } from '../../lambdas/shared/constants';
import {
  type ConsumerRuntime,
  consumerRuntimeFromEnv,
  createConsumerHandler,
} from '../../lambdas/shared/consumer';
import { defaultImageLimits } from '../../lambdas/shared/image';
import type { ImageTable } from '../../lambdas/shared/store';
import { defaultThumbnailSettings } from '../../lambdas/thumbnail/render';
import { createThumbnailStage } from '../../lambdas/thumbnail/stage';

/** Where a job's consumer works: the parent's embedded backend, reached through AWS_ENDPOINT_URL. */
export interface Target {
  readonly region: string;
  readonly tableName: string;
  readonly uploadsBucket: string;
  readonly derivedBucket: string;
}

export const limits = defaultImageLimits;

/** A consumer's stage wired as its handler.ts wires it. */
export const stageFor = (consumer: ConsumerName, clients: AwsClients, target: Target): Stage<object> => {
  switch (consumer) {
    case 'thumbnail':
      return createThumbnailStage({
        s3: clients.s3,
        derivedBucket: target.derivedBucket,
        limits,
        settings: defaultThumbnailSettings,
      }) as Stage<object>;
    case 'moderation':
      return createModerationStage({
        s3: clients.s3,
        provider: createOfflineProvider({ limits }),
        limits,
      }) as Stage<object>;
    case 'metadata':
      return createMetadataStage({ s3: clients.s3, limits }) as Stage<object>;
    case 'indexing':
      return createIndexingStage({ s3: clients.s3, limits }) as Stage<object>;
  }
};

/** Counts what the stage finished, so a job can tell work done from records skipped or rejected. */
export const countingStage = (stage: Stage<object>) => {
  const counts = { created: 0, failed: 0 };
  const counted: Stage<object> = {
    ...stage,
    async created(context) {
      try {
        const outcome = await stage.created(context);
        counts.created++;
        return outcome;
      } catch (error) {
        counts.failed++;
        throw error;
      }
    },
  };
  return { stage: counted, counts };
};

/** The runtime as consumerRuntimeFromEnv builds it in Lambda, with this job's record concurrency. */
export const runtimeFor = (
  consumer: ConsumerName,
  clients: AwsClients,
  target: Target,
  recordConcurrency: number,
): ConsumerRuntime =>
  consumerRuntimeFromEnv(consumer, clients, {
    TABLE_NAME: target.tableName,
    RECORD_CONCURRENCY: String(recordConcurrency),
  });

export interface HandlerOptions {
  readonly recordConcurrency: number;
  /** Defaults to the runtime's own ImageTable (one atomic commit per image). */
  readonly table?: ImageTable;
  /** Logger and metrics shared across handlers, as module scope would share them. */
  readonly runtime?: ConsumerRuntime;
}

export const handlerFor = (
  consumer: ConsumerName,
  clients: AwsClients,
  target: Target,
  options: HandlerOptions,
) => {
  const base = options.runtime ?? runtimeFor(consumer, clients, target, options.recordConcurrency);
  const table = options.table ?? base.table;
  const runtime: ConsumerRuntime = {
    ...base,
    table,
    options: { ...base.options, recordConcurrency: options.recordConcurrency },
  };
  const { stage, counts } = countingStage(stageFor(consumer, clients, target));
  return { handler: createConsumerHandler(stage, runtime), counts };
};
