/** A consumer wired exactly as its handler.ts wires it, where a comparison varies the table or the clients. */
import { createIndexingStage } from '../../lambdas/indexing/stage';
import { createMetadataStage } from '../../lambdas/metadata/stage';
import type { AwsClients } from '../../lambdas/shared/clients';
import {
  type ConsumerRuntime,
  consumerRuntimeFromEnv,
  createConsumerHandler,
} from '../../lambdas/shared/consumer';
import { imageLimitsFromEnv } from '../../lambdas/shared/image';
import type { ImageTable } from '../../lambdas/shared/store';
import type { Handler } from './handlers';

export type WiredConsumer = 'indexing' | 'metadata';

/** The consumer's stage and runtime as its handler.ts builds them, with this table and these clients. */
export const wiredHandler = (
  consumer: WiredConsumer,
  clients: AwsClients,
  options: { readonly table?: ImageTable; readonly runtime?: ConsumerRuntime } = {},
): Handler => {
  const base = options.runtime ?? consumerRuntimeFromEnv(consumer, clients);
  const runtime = { ...base, table: options.table ?? base.table };
  const stageOptions = { s3: clients.s3, limits: imageLimitsFromEnv() };
  return consumer === 'indexing'
    ? createConsumerHandler(createIndexingStage(stageOptions), runtime)
    : createConsumerHandler(createMetadataStage(stageOptions), runtime);
};
