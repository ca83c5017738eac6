import type { ConsumerName } from '../shared/constants';
import { consumerNames } from '../shared/constants';
import { intEnv, requireEnv } from '../shared/env';
import { apiEnv, backlogQueueVariable } from './constants';

/** Everything the API reads from its environment, validated once at load. */
export interface ApiConfig {
  readonly uploadsBucket: string;
  readonly uploadsPrefix: string;
  readonly derivedBucket: string;
  readonly tableName: string;
  readonly maxImageBytes: number;
  readonly uploadUrlSeconds: number;
  readonly downloadUrlSeconds: number;
  readonly backPressure: BackPressureSettings;
}

export interface BackPressureSettings {
  /** Queue URL by consumer: the queues whose depth decides. */
  readonly queues: Readonly<Partial<Record<ConsumerName, string>>>;
  readonly maxBacklog: number;
  readonly drainSeconds: number;
  readonly readIntervalMs: number;
}

export const apiConfigFromEnv = (env: NodeJS.ProcessEnv = process.env): ApiConfig => {
  const queues: Partial<Record<ConsumerName, string>> = {};
  for (const consumer of consumerNames) {
    const url = env[backlogQueueVariable(consumer)];
    if (url !== undefined && url !== '') queues[consumer] = url;
  }
  return {
    uploadsBucket: requireEnv(apiEnv.uploadsBucket, env),
    uploadsPrefix: requireEnv(apiEnv.uploadsPrefix, env),
    derivedBucket: requireEnv(apiEnv.derivedBucket, env),
    tableName: requireEnv(apiEnv.tableName, env),
    maxImageBytes: intEnv(apiEnv.maxImageBytes, 50 * 1024 * 1024, env),
    uploadUrlSeconds: intEnv(apiEnv.uploadUrlSeconds, 300, env, { max: 3600 }),
    downloadUrlSeconds: intEnv(apiEnv.downloadUrlSeconds, 300, env, { max: 3600 }),
    backPressure: {
      queues,
      maxBacklog: intEnv(apiEnv.maxBacklog, 5000, env),
      drainSeconds: intEnv(apiEnv.drainSeconds, 120, env),
      readIntervalMs: intEnv(apiEnv.backlogReadSeconds, 5, env) * 1000,
    },
  };
};
