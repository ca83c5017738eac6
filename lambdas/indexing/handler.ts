import { createAwsClients } from '../shared/clients';
import { consumerRuntimeFromEnv, createConsumerHandler } from '../shared/consumer';
import { imageLimitsFromEnv } from '../shared/image';
import { createIndexingStage } from './stage';

const clients = createAwsClients();
const runtime = consumerRuntimeFromEnv('indexing', clients);

export const handler = createConsumerHandler(
  createIndexingStage({ s3: clients.s3, limits: imageLimitsFromEnv() }),
  runtime,
);
