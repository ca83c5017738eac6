import { RekognitionClient } from '@aws-sdk/client-rekognition';
import { createAwsClients, keepAliveHandler } from '../shared/clients';
import { consumerRuntimeFromEnv, createConsumerHandler } from '../shared/consumer';
import { imageLimitsFromEnv } from '../shared/image';
import { createOfflineProvider } from './providers/offline';
import { createRekognitionProvider } from './providers/rekognition';
import { createModerationStage } from './stage';
import { moderationProviderFromEnv } from './types';

const clients = createAwsClients();
const limits = imageLimitsFromEnv();
const provider =
  moderationProviderFromEnv() === 'rekognition'
    ? createRekognitionProvider(new RekognitionClient({ requestHandler: keepAliveHandler(16) }), { limits })
    : createOfflineProvider({ limits });

export const handler = createConsumerHandler(
  createModerationStage({ s3: clients.s3, provider, limits }),
  consumerRuntimeFromEnv('moderation', clients),
);
