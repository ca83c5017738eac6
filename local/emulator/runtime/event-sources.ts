/** The stack's SQS event source mappings, each run by a poller that invokes its function's host. */
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  concurrencyCeiling,
  gatedInvoke,
  type Hold,
  queueSettingsOf,
  reservedConcurrencyGates,
  SqsPoller,
} from '../event-source';
import type { FunctionHost } from '../lambda';
import {
  deadLetterTargetOf,
  type EventSourceMappingSpec,
  type FunctionSpec,
  type QueueSpec,
  type Topology,
  whyNotRunnable,
} from '../template';
import type { FunctionHosts } from './hosts';
import type { LocalPipelineOptions } from './options';

export interface RunnableMapping {
  readonly mapping: EventSourceMappingSpec;
  readonly fn: FunctionSpec;
  readonly queue: QueueSpec;
}

export interface EventSource extends RunnableMapping {
  readonly dlq?: QueueSpec;
  /** The most batches it runs at once (MaximumConcurrency, Lambda's ceiling, the runtime's cap). */
  readonly concurrency: number;
  readonly poller: SqsPoller;
  readonly host: FunctionHost;
}

/** The enabled mappings whose queue and function are in the stack and whose function runs here. */
export const runnableMappings = (
  topology: Topology,
  queues: readonly QueueSpec[],
  options: Pick<LocalPipelineOptions, 'adjustMapping'>,
  warn: (message: string) => void,
): RunnableMapping[] => {
  const functionsByName = new Map(topology.functions.map((fn) => [fn.name, fn]));
  const queuesByArn = new Map(queues.map((queue) => [queue.arn, queue]));
  return topology.eventSourceMappings.flatMap((mapping) => {
    const fn = functionsByName.get(mapping.functionName);
    const queue = queuesByArn.get(mapping.eventSourceArn);
    if (!mapping.enabled) return [];
    if (fn === undefined || queue === undefined) {
      warn(`Event source ${mapping.logicalId} joins resources outside the stack; it is not run`);
      return [];
    }
    const reason = whyNotRunnable(fn);
    if (reason !== undefined) {
      warn(`Function ${fn.name} does not run locally: ${reason}`);
      return [];
    }
    return [{ mapping: options.adjustMapping?.(mapping, fn) ?? mapping, fn, queue }];
  });
};

export interface EventSourceSettings
  extends Pick<LocalPipelineOptions, 'maxConcurrency' | 'onBatch' | 'onError'> {
  readonly region: string;
  readonly sqs: SQSClient;
  readonly queues: readonly QueueSpec[];
  readonly hosts: FunctionHosts;
  /** Batches wait here before their invocation while the consumers are held. */
  readonly hold: Hold;
  /** Share of processed messages whose delete is lost (fault injection). */
  readonly lostDeleteRate?: number;
}

/**
 * Starts a poller per mapping. A function's host gets an execution environment for every batch its
 * mappings may run at once; a function with reserved concurrency is throttled past it.
 */
export const startEventSources = (
  runnable: readonly RunnableMapping[],
  settings: EventSourceSettings,
): EventSource[] => {
  const concurrencyOf = (mapping: EventSourceMappingSpec) =>
    concurrencyCeiling(mapping, settings.maxConcurrency);
  const environmentsOf = (fn: FunctionSpec) =>
    runnable
      .filter((entry) => entry.fn.name === fn.name)
      .reduce((sum, entry) => sum + concurrencyOf(entry.mapping), 0);
  const queuesByArn = new Map(settings.queues.map((queue) => [queue.arn, queue]));
  const gates = reservedConcurrencyGates(runnable.map(({ fn }) => fn));
  const sources = runnable.map(({ mapping, fn, queue }): EventSource => {
    const host = settings.hosts.hostFor(fn, environmentsOf(fn));
    const concurrency = concurrencyOf(mapping);
    const poller = new SqsPoller({
      mapping,
      queueUrl: queue.url,
      region: settings.region,
      sqs: settings.sqs,
      queue: queueSettingsOf(queue),
      functionTimeoutSeconds: fn.timeoutSeconds,
      invoke: gatedInvoke(async (event) => {
        await settings.hold.passed();
        return host.invoke(event);
      }, gates.get(fn.name)),
      maxConcurrency: concurrency,
      onBatch: settings.onBatch,
      onError: (error) => settings.onError?.(error, `event source ${mapping.logicalId}`),
      lostDeleteRate: settings.lostDeleteRate,
    });
    const dlq = queuesByArn.get(deadLetterTargetOf(queue) ?? '');
    return { mapping, fn, queue, ...(dlq ? { dlq } : {}), concurrency, poller, host };
  });
  for (const { poller } of sources) poller.start();
  return sources;
};
