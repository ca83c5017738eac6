import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { type ConsumerName, consumerNames } from '../lambdas/shared/constants';
import { queueDepth } from '../lambdas/shared/queue-depth';
import type { Target } from './target';
import { unreadableCounts } from './unreadable';

export interface ConsumerStatus {
  readonly consumer: ConsumerName;
  /** Waiting to be picked up. */
  readonly visible: number;
  /** Received by the trigger and not yet deleted: being worked on, or waiting out a retry. */
  readonly inFlight: number;
  readonly delayed: number;
  /** Every message in the DLQ, listed or not. */
  readonly deadLetters: number;
  /** Messages it could not read as an S3 event: recorded and acknowledged, never retried. */
  readonly unreadable: number;
  /** CloudWatch's latest ApproximateAgeOfOldestMessage; null when there is no datapoint or no CloudWatch. */
  readonly oldestMessageAgeSeconds: number | null;
}

export interface PipelineStatus {
  readonly target: string;
  /** Where the age of the oldest message comes from, or why there is none. */
  readonly oldestMessageAge: 'cloudwatch' | 'not available against an endpoint (no CloudWatch metrics)';
  readonly consumers: readonly ConsumerStatus[];
}

/** How far back to look for the latest 1-minute datapoint: SQS publishes them a few minutes late. */
const metricWindowMs = 15 * 60_000;

const queueCounts = async (target: Target, queueUrl: string) => {
  const { visible, notVisible, delayed } = await queueDepth(target.sqs, queueUrl);
  return { visible, inFlight: notVisible, delayed };
};

export const queueNameOf = (queueUrl: string) => queueUrl.replace(/\/+$/, '').split('/').pop() ?? queueUrl;

/** The latest age of the oldest message of each consumer's queue, in one GetMetricData call. */
const oldestMessageAges = async (
  target: Target,
  consumers: readonly ConsumerName[],
  now: Date,
): Promise<Map<ConsumerName, number>> => {
  const ages = new Map<ConsumerName, number>();
  if (target.cloudwatch === undefined) return ages;
  const { MetricDataResults = [] } = await target.cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(now.getTime() - metricWindowMs),
      EndTime: now,
      ScanBy: 'TimestampDescending',
      MetricDataQueries: consumers.map((consumer) => ({
        Id: `age_${consumer}`,
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/SQS',
            MetricName: 'ApproximateAgeOfOldestMessage',
            Dimensions: [{ Name: 'QueueName', Value: queueNameOf(target.consumers[consumer].queueUrl) }],
          },
          Period: 60,
          Stat: 'Maximum',
        },
      })),
    }),
  );
  for (const result of MetricDataResults) {
    const consumer = consumers.find((name) => result.Id === `age_${name}`);
    const latest = result.Values?.[0];
    if (consumer !== undefined && latest !== undefined) ages.set(consumer, latest);
  }
  return ages;
};

/** Where every consumer's queue and DLQ stand. */
export const pipelineStatus = async (target: Target, now = new Date()): Promise<PipelineStatus> => {
  const [counts, ages, unreadable] = await Promise.all([
    Promise.all(
      consumerNames.map(async (consumer) => {
        const { queueUrl, deadLetterQueueUrl } = target.consumers[consumer];
        const [source, dead] = await Promise.all([
          queueCounts(target, queueUrl),
          queueCounts(target, deadLetterQueueUrl),
        ]);
        return { consumer, source, dead };
      }),
    ),
    oldestMessageAges(target, consumerNames, now),
    unreadableCounts(target),
  ]);
  return {
    target: target.description,
    oldestMessageAge: target.cloudwatch
      ? 'cloudwatch'
      : 'not available against an endpoint (no CloudWatch metrics)',
    consumers: counts.map(({ consumer, source, dead }) => ({
      consumer,
      ...source,
      deadLetters: dead.visible + dead.inFlight + dead.delayed,
      unreadable: unreadable[consumer],
      oldestMessageAgeSeconds: ages.get(consumer) ?? null,
    })),
  };
};
