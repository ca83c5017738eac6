import { createAwsClients } from '../shared/clients';
import { consumerEnv } from '../shared/constants';
import { consumerRuntimeFromEnv, createConsumerHandler } from '../shared/consumer';
import { requireEnv } from '../shared/env';
import { imageLimitsFromEnv } from '../shared/image';
import { thumbnailSettingsFromEnv } from './config';
import { createThumbnailStage } from './stage';

const clients = createAwsClients();

export const handler = createConsumerHandler(
  createThumbnailStage({
    s3: clients.s3,
    derivedBucket: requireEnv(consumerEnv.derivedBucket),
    limits: imageLimitsFromEnv(),
    settings: thumbnailSettingsFromEnv(),
  }),
  consumerRuntimeFromEnv('thumbnail', clients),
);
