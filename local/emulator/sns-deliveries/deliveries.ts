/**
 * Runs the stack's SNS-to-Lambda subscriptions: one asynchronous delivery per subscription, from
 * the stand-in queue provisioning made for it to the function's host (see async-delivery.ts).
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { FunctionHost } from '../lambda';
import { lambdaInitLimitMs } from '../lambda';
import type { LambdaSubscription } from '../provision';
import type { FunctionSpec } from '../template';
import { whyNotRunnable } from '../template';
import { AsyncDelivery } from './async-delivery';

export interface SnsDeliveriesOptions {
  readonly subscriptions: readonly LambdaSubscription[];
  readonly functions: ReadonlyMap<string, FunctionSpec>;
  /** Queue URL of a queue of the stack by its ARN (a function's DeadLetterConfig target). */
  readonly queueUrlOf: (arn: string) => string | undefined;
  /** The function's host, created with `environments` environments if it has none yet. */
  readonly hostFor: (fn: FunctionSpec, environments: number) => FunctionHost;
  readonly sqs: SQSClient;
  /** Asynchronous invocations at once, per subscription. */
  readonly concurrency: number;
  readonly retryDelaysMs?: readonly number[];
  readonly warn: (message: string) => void;
  readonly onError?: (error: unknown, where: string) => void;
}

export const startSnsDeliveries = (options: SnsDeliveriesOptions): AsyncDelivery[] =>
  options.subscriptions.flatMap(({ subscription, functionName, queueUrl, subscriptionArn }) => {
    const fn = options.functions.get(functionName);
    const reason = fn === undefined ? 'it is not in the stack' : whyNotRunnable(fn);
    if (fn === undefined || reason !== undefined) {
      options.warn(`Subscription ${subscription.logicalId} is not delivered: ${functionName} ${reason}`);
      return [];
    }
    const deadLetterQueueUrl = fn.deadLetterTargetArn && options.queueUrlOf(fn.deadLetterTargetArn);
    if (fn.deadLetterTargetArn && deadLetterQueueUrl === undefined) {
      options.warn(
        `Function ${fn.name}: its dead-letter target ${fn.deadLetterTargetArn} is not a queue of the stack; failed events are dropped`,
      );
    }
    const host = options.hostFor(fn, options.concurrency);
    const delivery = new AsyncDelivery({
      name: `Subscription ${subscription.logicalId}`,
      queueUrl,
      subscriptionArn,
      sqs: options.sqs,
      invoke: (event) => host.invoke(event),
      concurrency: options.concurrency,
      // Hidden while it may still run: waiting for an environment, init, then the function's timeout.
      invocationSeconds: 2 * (fn.timeoutSeconds + lambdaInitLimitMs / 1000) + 60,
      ...(options.retryDelaysMs ? { retryDelaysMs: options.retryDelaysMs } : {}),
      ...(deadLetterQueueUrl ? { deadLetterQueueUrl } : {}),
      onNotice: options.warn,
      onError: (error) => options.onError?.(error, `subscription ${subscription.logicalId}`),
    });
    delivery.start();
    return [delivery];
  });
