import { Duration } from 'aws-cdk-lib';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** The newest Node.js runtime: sharp's prebuilt binaries need glibc >= 2.28 (Amazon Linux 2023). */
export const lambdaRuntime = Runtime.NODEJS_24_X;
/** Syntax for Node 20 and later: the local runtime runs these very bundles on the developer's Node. */
export const esbuildTarget = 'node20';

/**
 * 6x the function timeout plus the batching window: AWS guidance for SQS triggers, so that a
 * message is not visible again while a throttled or retried invocation may still hold it.
 */
export const visibilityTimeoutFor = (timeoutSeconds: number, batchingWindowSeconds: number) =>
  Duration.seconds(6 * timeoutSeconds + batchingWindowSeconds);

/** Long enough to investigate an incident from its logs, short enough not to pay for noise. */
export const logRetention = RetentionDays.ONE_MONTH;

/** Old versions of uploads are kept this long, for recovery from an overwrite or delete by mistake. */
export const noncurrentVersionDays = 30;

export const accessLogDays = 90;

/** Alarms look at 1-minute data: a DLQ message is worth knowing about within minutes. */
export const alarmPeriod = Duration.minutes(1);
