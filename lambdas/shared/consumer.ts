import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type BatchRuntimeOptions, processBatch, type Stage } from './batch';
import type { AwsClients } from './clients';
import type { ConsumerName } from './constants';
import { intEnv, requireEnv } from './env';
import { anyFaults, type FaultSettings, faultsVariable, parseFaults, withFaults } from './faults';
import { createLogger, createMetrics, publishBatchMetrics } from './observability';
import { ImageTable } from './store';

export interface ConsumerRuntime {
  readonly table: ImageTable;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly options: BatchRuntimeOptions;
  /** Injected faults (soak and crash tests); none unless IMAGE_FANOUT_FAULTS says so. */
  readonly faults?: FaultSettings;
}

/** DLQ retention (14 days): a redriven message can be that old, and must still find the tombstone. */
const defaultTombstoneTtlSeconds = 14 * 24 * 3600;

/** The settings every consumer reads from its environment, validated once at load. */
export const consumerRuntimeFromEnv = (
  consumer: ConsumerName,
  clients: AwsClients,
  env: NodeJS.ProcessEnv = process.env,
): ConsumerRuntime => ({
  table: new ImageTable(clients.dynamo, requireEnv('TABLE_NAME', env)),
  logger: createLogger(consumer),
  metrics: createMetrics(consumer),
  options: {
    recordConcurrency: intEnv('RECORD_CONCURRENCY', 4, env, { max: 256 }),
    flushReserveMs: intEnv('FLUSH_RESERVE_MS', 3_000, env, { min: 0 }),
    tombstoneTtlSeconds: intEnv('TOMBSTONE_TTL_SECONDS', defaultTombstoneTtlSeconds, env),
  },
  faults: parseFaults(env[faultsVariable]),
});

/** An SQS-triggered Lambda handler that reports partial batch failures. */
export const createConsumerHandler =
  <Data extends object>(stage: Stage<Data>, runtime: ConsumerRuntime) =>
  async (event: SQSEvent, context?: Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>) => {
    runtime.logger.appendKeys({ requestId: context?.awsRequestId });
    const remainingTimeMs = context ? () => context.getRemainingTimeInMillis() : undefined;
    const faults = runtime.faults;
    const { response, summary } = await processBatch(
      event.Records,
      faults && anyFaults(faults) ? withFaults(stage, faults, remainingTimeMs ?? (() => 60_000)) : stage,
      { table: runtime.table, logger: runtime.logger },
      runtime.options,
      { remainingTimeMs },
    );
    runtime.logger.info('Batch done', { ...summary });
    publishBatchMetrics(runtime.metrics, summary);
    return response satisfies SQSBatchResponse;
  };
