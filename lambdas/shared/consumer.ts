import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type BatchRuntimeOptions, processBatch, type Stage } from './batch';
import type { AwsClients } from './clients';
import { type ConsumerName, consumerEnv } from './constants';
import { intEnv, requireEnv } from './env';
import { type FaultInjector, faultInjectorFromEnv } from './faults';
import { createLogger, createMetrics, publishBatchMetrics } from './observability';
import { ImageTable } from './store';

export interface ConsumerRuntime {
  readonly table: ImageTable;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly options: BatchRuntimeOptions;
  /** Injected faults (soak and crash tests): local bundles only, and only when IMAGE_FANOUT_FAULTS names some. */
  readonly injectFaults?: FaultInjector;
}

/**
 * Replaced by the bundler (esbuild `define`, lib/image-consumer.ts): true in the local stage's
 * bundles, false in every other, where the fault injector becomes dead code the bundler drops.
 * Unbundled code (the unit tests) has no such constant and runs without faults.
 */
declare const IMAGE_FANOUT_FAULT_INJECTION: boolean | undefined;

/** DLQ retention (14 days): a redriven message can be that old, and must still find the tombstone. */
const defaultTombstoneTtlSeconds = 14 * 24 * 3600;

/** The settings every consumer reads from its environment, validated once at load. */
export const consumerRuntimeFromEnv = (
  consumer: ConsumerName,
  clients: AwsClients,
  env: NodeJS.ProcessEnv = process.env,
): ConsumerRuntime => ({
  table: new ImageTable(clients.dynamo, requireEnv(consumerEnv.tableName, env)),
  logger: createLogger(consumer),
  metrics: createMetrics(consumer),
  options: {
    recordConcurrency: intEnv(consumerEnv.recordConcurrency, 4, env, { max: 256 }),
    flushReserveMs: intEnv(consumerEnv.flushReserveMs, 3_000, env, { min: 0 }),
    tombstoneTtlSeconds: intEnv('TOMBSTONE_TTL_SECONDS', defaultTombstoneTtlSeconds, env),
  },
  // The test of the constant is written out here, so that the bundler can see the branch is dead.
  ...(typeof IMAGE_FANOUT_FAULT_INJECTION !== 'undefined' && IMAGE_FANOUT_FAULT_INJECTION
    ? { injectFaults: faultInjectorFromEnv(env) }
    : {}),
});

/** An SQS-triggered Lambda handler that reports partial batch failures. */
export const createConsumerHandler =
  <Data extends object>(stage: Stage<Data>, runtime: ConsumerRuntime) =>
  async (event: SQSEvent, context?: Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>) => {
    runtime.logger.appendKeys({ requestId: context?.awsRequestId });
    const remainingTimeMs = context ? () => context.getRemainingTimeInMillis() : undefined;
    const { response, summary } = await processBatch(
      event.Records,
      runtime.injectFaults?.(stage, remainingTimeMs ?? (() => 60_000)) ?? stage,
      { table: runtime.table, logger: runtime.logger },
      runtime.options,
      { remainingTimeMs },
    );
    runtime.logger.info('Batch done', { ...summary });
    publishBatchMetrics(runtime.metrics, summary);
    return response satisfies SQSBatchResponse;
  };
