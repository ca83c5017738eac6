/**
 * The load generator against a deployed stack, latencies from the consumers' stage records in its
 * table. No runtime here, so no queue depths, raw bound or sweep: CloudWatch covers those.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { keepAliveHandler } from '../../lambdas/shared/clients';
import { uploadsPrefix } from '../../lambdas/shared/constants';
import { runLoad } from '../load/generator';
import type { PhaseProgress } from '../progress';
import type { Context } from '../runner';
import type { RunResult } from '../types';
import { type LoadSpec, plannedUploads } from './bench-pipeline';
import { allDone, type StageReader, type StageTimes, stageReader } from './stages';
import { summarizeRun } from './summarize';

export interface RemoteTarget {
  /** S3 and DynamoDB endpoint (LocalStack, say); AWS's own when undefined. */
  readonly endpoint?: string;
  readonly bucket: string;
  readonly table: string;
  readonly region: string;
}

export interface RemoteRunOptions extends Omit<LoadSpec, 'name'>, Pick<Context, 'images' | 'runId'> {
  readonly target: RemoteTarget;
  readonly onProgress?: (progress: PhaseProgress) => void;
}

/** What the load and the watcher share: the keys uploaded so far, and whether the load is over. */
interface Watch {
  readonly keys: string[];
  readonly stages: StageTimes;
  loading: boolean;
  stopped: boolean;
}

/** While the load runs and after, one look a second at the images not yet done. */
const watchStages = async (
  watch: Watch,
  reader: StageReader,
  settleTimeoutMs: number,
  report: () => void,
) => {
  let settleBy = Number.POSITIVE_INFINITY;
  while (!watch.stopped) {
    const started = Date.now();
    const pending = watch.keys.filter((key) => !allDone(watch.stages.get(key)));
    if (pending.length > 0) await reader.read(pending, watch.stages);
    report();
    if (!watch.loading) {
      if (watch.keys.every((key) => allDone(watch.stages.get(key)))) return;
      if (settleBy === Number.POSITIVE_INFINITY) settleBy = Date.now() + settleTimeoutMs;
      if (Date.now() > settleBy) return;
    }
    await sleep(Math.max(0, 1_000 - (Date.now() - started)));
  }
};

const progressReport =
  (watch: Watch, planned: number | undefined, onProgress: RemoteRunOptions['onProgress']) => () => {
    const done = watch.keys.filter((key) => allDone(watch.stages.get(key))).length;
    const detail = `${watch.keys.length} up · ${done} done${watch.loading ? '' : ' · waiting for the stage records'}`;
    const counted = !watch.loading || planned === undefined ? done : watch.keys.length;
    onProgress?.({
      phase: 'remote load',
      done: counted,
      ...(planned === undefined ? {} : { total: planned }),
      detail,
    });
  };

export const runRemote = async (options: RemoteRunOptions): Promise<RunResult> => {
  const { target, rate, count, durationSeconds } = options;
  const common = {
    region: target.region,
    requestHandler: keepAliveHandler(64),
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
  };
  const s3 = new S3Client({ ...common, forcePathStyle: target.endpoint !== undefined });
  const dynamo = new DynamoDBClient(common);
  const watch: Watch = { keys: [], stages: new Map(), loading: true, stopped: false };
  const planned = plannedUploads(options);
  const report = progressReport(watch, planned, options.onProgress);
  const watcher = watchStages(
    watch,
    stageReader(dynamo, target.table, target.bucket),
    options.settleTimeoutMs ?? 600_000,
    report,
  );
  try {
    const uploads = await runLoad({
      s3,
      bucket: target.bucket,
      prefix: `${uploadsPrefix}bench-${options.runId}/`,
      images: options.images,
      rate,
      count,
      durationSeconds,
      onUpload: (upload) => {
        if (upload.error === undefined) watch.keys.push(upload.key);
      },
    });
    watch.loading = false;
    await watcher;
    const { stages } = watch;
    return summarizeRun({
      name: 'remote',
      rate,
      requestedCount: count,
      requestedDurationSeconds: durationSeconds,
      uploads,
      stages,
    });
  } finally {
    watch.loading = false;
    watch.stopped = true;
    await watcher.catch(() => undefined);
    s3.destroy();
    dynamo.destroy();
  }
};
