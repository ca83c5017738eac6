/** What else invokes functions besides SQS event sources: SNS subscriptions and HTTP APIs. */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { sqsScaling } from '../event-source';
import { type LocalHttpApis, startHttpApis } from '../http-api';
import type { ProvisionResult } from '../provision';
import { type AsyncDelivery, startSnsDeliveries } from '../sns-deliveries';
import type { QueueSpec, Topology } from '../template';
import type { FunctionHosts } from './hosts';
import type { LocalPipelineOptions } from './options';

type Warn = (message: string) => void;

/** Each lambda subscription's events, from the stand-in queue provisioning made, to the function. */
export const startSubscriptions = (
  options: LocalPipelineOptions,
  parts: {
    readonly topology: Topology;
    readonly provisioned: ProvisionResult;
    readonly queues: readonly QueueSpec[];
    readonly hosts: FunctionHosts;
    readonly sqs: SQSClient;
  },
  warn: Warn,
): AsyncDelivery[] =>
  startSnsDeliveries({
    subscriptions: options.backendOnly ? [] : parts.provisioned.lambdaSubscriptions,
    functions: new Map(parts.topology.functions.map((fn) => [fn.name, fn])),
    queueUrlOf: (arn) => parts.queues.find((queue) => queue.arn === arn)?.url,
    hostFor: (fn, environments) => parts.hosts.hostFor(fn, environments),
    sqs: parts.sqs,
    // Lambda's asynchronous invocations start as an event source does, under the runtime's cap.
    concurrency: Math.max(1, Math.min(sqsScaling.initialConcurrency, options.maxConcurrency ?? Infinity)),
    retryDelaysMs: options.asyncRetryDelaysMs,
    warn,
    onError: options.onError,
  });

/** The stack's HTTP APIs, each on its own port; none for a backend-only run. */
export const startApis = async (
  options: LocalPipelineOptions,
  topology: Topology,
  hosts: FunctionHosts,
  warn: Warn,
): Promise<LocalHttpApis | undefined> =>
  options.backendOnly
    ? undefined
    : startHttpApis({
        topology,
        // Lambda scales a function behind an API on demand; a few environments stand in for that.
        hostOf: (fn) => hosts.hostFor(fn, options.httpApiConcurrency ?? 4),
        port: options.httpApiPort ?? 0,
        host: options.host,
        onAccess: options.onAccess,
        onWarning: warn,
      });
