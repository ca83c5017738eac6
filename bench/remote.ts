/**
 * The load generator against a deployed stack: uploads to its bucket, then reads the consumers' stage
 * records from its table (at most one round of BatchGetItem a second, only for images not yet done)
 * until every image is done or the time is up. No runtime here, so no queue depths, raw bound or
 * sweep: the deployment's own CloudWatch metrics cover those.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { keepAliveHandler } from '../lambdas/shared/clients';
import { uploadsPrefix } from '../lambdas/shared/constants';
import { defaultSingleRunCount } from './constants';
import type { BenchImage } from './images';
import { type Rate, runLoad } from './load';
import { allDone, type StageTimes, stageReader } from './stages';
import { summarizeRun } from './summarize';
import type { RunResult } from './types';

export interface RemoteTarget {
  /** S3 and DynamoDB endpoint (LocalStack, say); AWS's own when undefined. */
  readonly endpoint?: string;
  readonly bucket: string;
  readonly table: string;
  readonly region: string;
}

export interface RemoteRunOptions {
  readonly target: RemoteTarget;
  readonly images: readonly BenchImage[];
  readonly rate: Rate;
  readonly count?: number;
  readonly durationSeconds?: number;
  readonly runId: string;
  readonly settleTimeoutMs?: number;
  readonly onProgress?: (progress: {
    uploaded: number;
    done: number;
    planned?: number;
    draining: boolean;
  }) => void;
}

export const runRemote = async (options: RemoteRunOptions): Promise<RunResult> => {
  const { target } = options;
  const common = {
    region: target.region,
    requestHandler: keepAliveHandler(64),
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
  };
  const s3 = new S3Client({ ...common, forcePathStyle: target.endpoint !== undefined });
  const dynamo = new DynamoDBClient(common);
  const reader = stageReader(dynamo, target.table, target.bucket);
  const stages: StageTimes = new Map();
  const keys: string[] = [];
  const count = options.count ?? (options.durationSeconds === undefined ? defaultSingleRunCount : undefined);
  const planned =
    count ?? (options.rate === 'max' ? undefined : Math.floor(options.rate * (options.durationSeconds ?? 0)));
  let loading = true;
  let stopped = false;
  const doneCount = () => keys.filter((key) => allDone(stages.get(key))).length;
  const report = () =>
    options.onProgress?.({ uploaded: keys.length, done: doneCount(), planned, draining: !loading });

  // While the load runs and after, one look a second at the images not yet done.
  const watcher = (async () => {
    const deadline = () => (loading ? Number.POSITIVE_INFINITY : settleBy);
    let settleBy = Number.POSITIVE_INFINITY;
    while (!stopped) {
      const started = Date.now();
      const pending = keys.filter((key) => !allDone(stages.get(key)));
      if (pending.length > 0) await reader.read(pending, stages);
      report();
      if (!loading && keys.every((key) => allDone(stages.get(key)))) return;
      if (!loading && settleBy === Number.POSITIVE_INFINITY)
        settleBy = Date.now() + (options.settleTimeoutMs ?? 600_000);
      if (Date.now() > deadline()) return;
      await sleep(Math.max(0, 1_000 - (Date.now() - started)));
    }
  })();

  try {
    const uploads = await runLoad({
      s3,
      bucket: target.bucket,
      prefix: `${uploadsPrefix}bench-${options.runId}/`,
      images: options.images,
      rate: options.rate,
      count,
      durationSeconds: options.durationSeconds,
      onUpload: (upload) => {
        if (upload.error === undefined) keys.push(upload.key);
      },
    });
    loading = false;
    await watcher;
    return summarizeRun({
      name: 'remote',
      rate: options.rate,
      requestedCount: count,
      requestedDurationSeconds: options.durationSeconds,
      uploads,
      stages,
    });
  } finally {
    loading = false;
    stopped = true;
    await watcher.catch(() => undefined);
    s3.destroy();
    dynamo.destroy();
  }
};
