import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type ConsumerName, metricsNamespace } from '../lambdas/shared/constants';
import type { ConsumerSettings } from './consumers';
import { alarmPeriod } from './defaults';

/** What a consumer's alarms and dashboard row look at. */
export interface MonitoredConsumer extends Construct {
  readonly consumerName: ConsumerName;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly subscriptionDeadLetterQueue: sqs.IQueue;
  readonly function: NodejsFunction;
}

/** The consumer's own EMF metrics, as published by the batch runtime. */
export const consumerMetric = (
  consumer: ConsumerName,
  metricName: string,
  props: cloudwatch.MetricOptions = {},
): cloudwatch.Metric =>
  new cloudwatch.Metric({
    namespace: metricsNamespace,
    metricName,
    dimensionsMap: { service: `image-fanout-${consumer}`, consumer },
    statistic: 'Sum',
    period: Duration.minutes(1),
    ...props,
  });

/** Fires on the first message in `queue`: each one is an event some consumer will never see. */
const notEmptyAlarm = (scope: Construct, id: string, queue: sqs.IQueue, description: string) =>
  new cloudwatch.Alarm(scope, id, {
    alarmDescription: description,
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: alarmPeriod, statistic: 'Maximum' }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });

/** DLQ depth, the subscription's DLQ depth, age of the oldest message, whole-invocation failures. */
export const consumerAlarms = (
  consumer: MonitoredConsumer,
  settings: ConsumerSettings,
): cloudwatch.Alarm[] => {
  const label = `${Stack.of(consumer).stackName} ${consumer.consumerName}`;
  return [
    notEmptyAlarm(
      consumer,
      'DeadLetterQueueNotEmpty',
      consumer.deadLetterQueue,
      `${label}: messages are in the DLQ; see docs/operations.md "Runbook"`,
    ),
    notEmptyAlarm(
      consumer,
      'SubscriptionDeadLetterQueueNotEmpty',
      consumer.subscriptionDeadLetterQueue,
      `${label}: SNS could not deliver events to the queue; see docs/operations.md "Runbook"`,
    ),
    new cloudwatch.Alarm(consumer, 'OldestMessageTooOld', {
      alarmDescription: `${label}: the queue is falling behind; see docs/operations.md "Runbook"`,
      metric: consumer.queue.metricApproximateAgeOfOldestMessage({
        period: alarmPeriod,
        statistic: 'Maximum',
      }),
      threshold: settings.oldestMessageAlarmSeconds,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    new cloudwatch.Alarm(consumer, 'FunctionErrors', {
      alarmDescription: `${label}: invocations failed as a whole (crash, timeout); see docs/operations.md "Runbook"`,
      metric: consumer.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
  ];
};

/** One dashboard row: backlog, failures, speed. */
export const consumerDashboardRow = (consumer: MonitoredConsumer): cloudwatch.IWidget[] => {
  const title = (what: string) => `${consumer.consumerName}: ${what}`;
  const metric = (name: string, props?: cloudwatch.MetricOptions) =>
    consumerMetric(consumer.consumerName, name, props);
  return [
    new cloudwatch.GraphWidget({
      title: title('queue'),
      left: [
        consumer.queue.metricApproximateNumberOfMessagesVisible(),
        consumer.queue.metricApproximateNumberOfMessagesNotVisible(),
        consumer.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'DLQ' }),
      ],
      right: [consumer.queue.metricApproximateAgeOfOldestMessage()],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: title('records'),
      left: ['RecordsProcessed', 'RecordsRejected', 'RecordsRetried', 'RecordsSkipped'].map((name) =>
        metric(name),
      ),
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: title('function'),
      left: [
        consumer.function.metricInvocations(),
        consumer.function.metricErrors(),
        consumer.function.metricThrottles(),
      ],
      right: [
        consumer.function.metricDuration({ statistic: 'p99' }),
        metric('BatchDuration', { statistic: 'p99' }),
      ],
      width: 8,
    }),
  ];
};
