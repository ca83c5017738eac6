import { createAwsClients } from '../shared/clients';
import { consumerRuntimeFromEnv, createConsumerHandler } from '../shared/consumer';
import { imageLimitsFromEnv } from '../shared/image';
import { createMetadataStage } from './stage';

const clients = createAwsClients();

export const handler = createConsumerHandler(
  createMetadataStage({ s3: clients.s3, limits: imageLimitsFromEnv() }),
  consumerRuntimeFromEnv('metadata', clients),
);
