import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { anyFaults, type FaultSettings, faultsVariable, noFaults } from '../lambdas/shared/faults';
import { type EmbeddedBackend, startEmbeddedBackend } from './backend';
import { createLocalClients, endpointAccountId, endpointEnvironment, type LocalClients } from './clients';
import { createHold } from './event-source/hold';
import { concurrencyCeiling, queueSettingsOf, sqsScaling } from './event-source/settings';
import { type BatchReport, SqsPoller } from './event-source/sqs-poller';
import { gatedInvoke, reservedConcurrencyGates } from './event-source/throttle';
import { type AccessLine, type DevTokenRequest, type LocalHttpApi, startHttpApis } from './http-api';
import { createFunctionHost, type EmfDocument, type FunctionError, type FunctionHost } from './lambda/host';
import { createNotifier, type Notifier } from './notifications';
import { findQueues, provision } from './provision';
import { startSnsDeliveries } from './sns-deliveries';
import { whyNotRunnable } from './template/lambda';
import { readTopology } from './template/topology';
import type { EventSourceMappingSpec, FunctionSpec, QueueSpec, Topology } from './template/types';

export interface LocalPipelineOptions {
  /** The cloud assembly (cdk.out) to run. */
  readonly cloudAssemblyDir: string;
  /** Needed when the assembly holds several stacks. */
  readonly stackName?: string;
  /** An AWS-compatible endpoint (e.g. LocalStack) to use instead of the embedded backend. */
  readonly endpoint?: string;
  /** Port of the embedded backend; 0 picks a free one. Default 4566. */
  readonly port?: number;
  readonly host?: string;
  readonly region?: string;
  /** Default: the endpoint's own, from STS GetCallerIdentity. */
  readonly accountId?: string;
  /**
   * Upper bound on concurrent invocations per event source mapping, over its MaximumConcurrency.
   * A mapping starts at Lambda's 5 concurrent batches and scales with its backlog up to the bound.
   */
  readonly maxConcurrency?: number;
  /** Variables added to every function's environment (e.g. a fault-injection setting). */
  readonly environment?: Readonly<Record<string, string>>;
  /** LevelDB directory that keeps the embedded DynamoDB's data across restarts. */
  readonly dynamoPath?: string;
  /** Faults to inject in the backend, the deliveries and the functions (soak and crash tests). */
  readonly faults?: FaultSettings;
  /** Run the backend, resources and notifications only, no functions: consumers run elsewhere. */
  readonly backendOnly?: boolean;
  /** Skip creating resources (they exist already, e.g. created by a backend-only process). */
  readonly skipProvision?: boolean;
  /**
   * Experiments only (the benchmark's sweeps): change an event source mapping's batch size,
   * batching window or concurrency without synthesizing again. The template stays the source.
   */
  readonly adjustMapping?: (mapping: EventSourceMappingSpec, fn: FunctionSpec) => EventSourceMappingSpec;
  /** Experiments only: extra variables for one function. */
  readonly functionEnvironment?: (fn: FunctionSpec) => Readonly<Record<string, string>> | undefined;
  /** Delays before each retry of a failed SNS-to-Lambda delivery; Lambda's 1 and 2 minutes by default. */
  readonly asyncRetryDelaysMs?: readonly number[];
  /** Port of the (first) HTTP API; 0 picks a free one. Default 0. */
  readonly httpApiPort?: number;
  /** Concurrent invocations of a function behind an HTTP API (Lambda scales it on demand). Default 4. */
  readonly httpApiConcurrency?: number;
  readonly onAccess?: (line: AccessLine, api: string) => void;
  /** How long an idle execution environment is kept warm. */
  readonly idleTimeoutMs?: number;
  readonly onLog?: (line: string, functionName: string) => void;
  readonly onMetrics?: (emf: EmfDocument, functionName: string) => void;
  readonly onBatch?: (report: BatchReport) => void;
  readonly onWarning?: (message: string) => void;
  readonly onError?: (error: unknown, where: string) => void;
}

export interface ConsumerStatus {
  /** Logical id of the event source mapping. */
  readonly mapping: string;
  readonly functionName: string;
  readonly queueName: string;
  readonly dlqName?: string;
  /** The most batches the mapping may run at once (MaximumConcurrency, Lambda's ceiling, the runtime's cap). */
  readonly concurrency: number;
  /** Batches it may run at once now: it starts at 5, grows with the backlog, backs off on errors. */
  readonly currentConcurrency: number;
  /** Invoke attempts throttled by the function's reserved concurrency. */
  readonly throttles: number;
  readonly messagesInFlight: number;
  readonly invocationsInFlight: number;
  readonly invocations: number;
  /** Messages deleted after a successful invocation (or as their batch's successes). */
  readonly deleted: number;
  /** Messages left for redelivery by a failed invocation or a batch item failure. */
  readonly retried: number;
  readonly filteredOut: number;
  readonly coldStarts: number;
  readonly timeouts: number;
  readonly errors: number;
  /** Visible messages waiting in the queue. */
  readonly backlog: number;
  /** Messages received and not yet deleted (in flight or waiting out a visibility timeout). */
  readonly notVisible: number;
  readonly dlqDepth: number;
  /** Sums of the EMF metrics the function printed, by metric name. */
  readonly metrics: Readonly<Record<string, number>>;
  /** The function's last invocation that failed as a whole (threw, timed out, crashed, init failed). */
  readonly lastError?: FunctionError;
}

export interface LocalPipeline {
  readonly endpoint: string;
  readonly region: string;
  readonly topology: Topology;
  /** Queue URL by queue ARN. */
  readonly queueUrls: ReadonlyMap<string, string>;
  readonly clients: LocalClients;
  /** Undefined when running against an external endpoint. */
  readonly backend?: EmbeddedBackend;
  readonly startedInMs: number;
  status(): Promise<ConsumerStatus[]>;
  /** The HTTP APIs of the stack, each on its own port. */
  readonly httpApis: readonly LocalHttpApi[];
  /** A token the HTTP API's JWT authorizer accepts (the runtime is the local identity provider). */
  issueToken(request: DevTokenRequest): Promise<string>;
  /**
   * Holds (true) or lets go (false) the consumers: batches the event sources receive wait before
   * their invocation, in flight, as behind a throttled function. For back-pressure experiments.
   */
  holdConsumers(hold: boolean): void;
  /** Resolves when every object event seen so far has been delivered to its destinations. */
  notificationsDelivered(): Promise<unknown>;
  /** Stops polling, lets the invocations under way finish, then shuts everything down. */
  stop(): Promise<void>;
}

const dlqArnOf = (queue: QueueSpec): string | undefined => {
  const policy = queue.attributes.RedrivePolicy;
  if (policy === undefined) return undefined;
  try {
    return (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn;
  } catch {
    return undefined;
  }
};

const sumMetrics = (into: Map<string, Record<string, number>>, emf: EmfDocument, functionName: string) => {
  const sums = into.get(functionName) ?? {};
  into.set(functionName, sums);
  for (const directive of emf._aws.CloudWatchMetrics) {
    const metrics = (directive as { Metrics?: { Name?: string }[] }).Metrics ?? [];
    for (const { Name } of metrics) {
      const value = Name === undefined ? undefined : emf[Name];
      const values = Array.isArray(value) ? value : [value];
      for (const v of values)
        if (Name !== undefined && typeof v === 'number') sums[Name] = (sums[Name] ?? 0) + v;
    }
  }
};

/** The endpoint's own account, or LocalStack's default (with a warning) when it cannot say. */
const accountOf = async (endpoint: string, region: string, warn: (message: string) => void) => {
  const answer = await endpointAccountId(endpoint, region);
  if (answer.source === 'default') {
    warn(
      `${endpoint} did not answer STS GetCallerIdentity (${answer.why}); using account ${answer.accountId}`,
    );
  }
  return answer.accountId;
};

/**
 * Brings a synthesized stack up locally: reads its template, creates its resources on the
 * embedded backend (or an external endpoint), delivers S3 notifications, and runs every Lambda
 * function that has an SQS event source mapping, from its bundle in the cloud assembly, with the
 * event source's semantics.
 */
export const startLocalPipeline = async (options: LocalPipelineOptions): Promise<LocalPipeline> => {
  const started = Date.now();
  const region = options.region ?? 'us-east-1';
  const warn = (message: string) => options.onWarning?.(message);
  const faults = options.faults ?? noFaults;
  const backend =
    options.endpoint === undefined
      ? await startEmbeddedBackend({
          port: options.port ?? 4566,
          host: options.host,
          region,
          dynamoPath: options.dynamoPath,
        })
      : undefined;
  const endpoint = backend?.endpoint ?? (options.endpoint as string);
  const clients = createLocalClients(endpoint, region);
  const stopping: (() => Promise<void>)[] = [];
  const shutdown = async () => {
    for (const stop of stopping.splice(0).reverse()) await stop();
  };
  stopping.push(async () => {
    clients.destroy();
    await backend?.stop();
  });

  try {
    const accountId = options.accountId ?? (await accountOf(endpoint, region, warn));
    const topology = readTopology({
      cloudAssemblyDir: options.cloudAssemblyDir,
      stackName: options.stackName,
      naming: { region, accountId, partition: 'aws', endpoint },
    });
    for (const warning of topology.warnings) warn(warning);

    const provisioned = options.skipProvision
      ? await findQueues(topology, clients)
      : await provision(topology, clients, { nativeNotifications: backend === undefined });
    for (const warning of provisioned.warnings) warn(warning);
    for (const table of provisioned.tablesWithoutTtl) {
      warn(`Table ${table}: the endpoint has no TimeToLive, so expired items stay until deleted`);
    }
    const queueUrls = provisioned.queueUrls;
    const queues = topology.queues.map((queue) => ({ ...queue, url: queueUrls.get(queue.arn) ?? queue.url }));
    // A Ref to a queue is its URL: the one the endpoint knows it by, which the template cannot predict.
    const endpointUrls = new Map(
      topology.queues.map((queue) => [queue.url, queueUrls.get(queue.arn) ?? queue.url]),
    );
    const queueUrlsIn = (fn: FunctionSpec) =>
      Object.fromEntries(
        Object.entries(fn.environment).flatMap(([name, value]) => {
          const url = endpointUrls.get(value);
          return url === undefined ? [] : [[name, url]];
        }),
      );

    let notifier: Notifier | undefined;
    if (backend !== undefined && topology.notifications.length > 0) {
      const live = createNotifier({
        notifications: topology.notifications,
        queues,
        region,
        sns: clients.sns,
        sqs: clients.sqs,
        onWarning: warn,
        onError: (error) => options.onError?.(error, 'S3 event notification'),
        duplicateRate: faults.duplicate,
      });
      notifier = live;
      backend.onObjectEvent((event) => void live.deliver(event));
      await live.sendTestEvents();
    }

    // Throttling starts once everything exists: it is the consumers' resilience under test.
    backend?.setThrottleRate(faults.throttle);

    const functionEnvironment = {
      ...endpointEnvironment(endpoint),
      ...(anyFaults(faults) ? { [faultsVariable]: JSON.stringify(faults) } : {}),
      ...options.environment,
    };

    const concurrencyOf = (mapping: EventSourceMappingSpec) =>
      concurrencyCeiling(mapping, options.maxConcurrency);
    const functionsByName = new Map(topology.functions.map((fn) => [fn.name, fn]));
    const queuesByArn = new Map(queues.map((queue) => [queue.arn, queue]));
    const runnable: { mapping: EventSourceMappingSpec; fn: FunctionSpec; queue: QueueSpec }[] = [];
    for (const mapping of options.backendOnly ? [] : topology.eventSourceMappings) {
      const fn = functionsByName.get(mapping.functionName);
      const queue = queuesByArn.get(mapping.eventSourceArn);
      if (!mapping.enabled) continue;
      if (fn === undefined || queue === undefined) {
        warn(`Event source ${mapping.logicalId} joins resources outside the stack; it is not run`);
      } else if (whyNotRunnable(fn) !== undefined) {
        warn(`Function ${fn.name} does not run locally: ${whyNotRunnable(fn)}`);
      } else {
        runnable.push({ mapping: options.adjustMapping?.(mapping, fn) ?? mapping, fn, queue });
      }
    }

    const metricSums = new Map<string, Record<string, number>>();
    const onMetrics = (emf: EmfDocument, name: string) => {
      sumMetrics(metricSums, emf, name);
      options.onMetrics?.(emf, name);
    };
    const environmentOf = (fn: FunctionSpec) => ({
      ...functionEnvironment,
      ...queueUrlsIn(fn),
      ...options.functionEnvironment?.(fn),
    });
    const hosts = new Map<string, FunctionHost>();
    const hostFor = (fn: FunctionSpec, environments: number): FunctionHost => {
      const existing = hosts.get(fn.name);
      if (existing) return existing;
      // Invocations over the reserved concurrency are throttled before they need an environment.
      const reserved = Math.max(1, fn.reservedConcurrentExecutions ?? environments);
      const created = createFunctionHost(fn, {
        environment: environmentOf(fn),
        maxEnvironments: Math.min(environments, reserved),
        idleTimeoutMs: options.idleTimeoutMs,
        onLog: options.onLog,
        onMetrics,
      });
      hosts.set(fn.name, created);
      return created;
    };
    for (const { fn } of runnable) {
      const environments = runnable
        .filter((entry) => entry.fn.name === fn.name)
        .reduce((sum, entry) => sum + concurrencyOf(entry.mapping), 0);
      hostFor(fn, environments);
    }
    stopping.push(async () => {
      await Promise.all([...hosts.values()].map((host) => host.stop()));
    });

    const gates = reservedConcurrencyGates(runnable.map(({ fn }) => fn));
    const hold = createHold();
    const pollers = runnable.map(({ mapping, fn, queue }) => {
      const host = hosts.get(fn.name) as FunctionHost;
      const poller = new SqsPoller({
        mapping,
        queueUrl: queue.url,
        region,
        sqs: clients.sqs,
        queue: queueSettingsOf(queue),
        functionTimeoutSeconds: fn.timeoutSeconds,
        invoke: gatedInvoke(async (event) => {
          await hold.passed();
          return host.invoke(event);
        }, gates.get(fn.name)),
        maxConcurrency: concurrencyOf(mapping),
        onBatch: options.onBatch,
        onError: (error) => options.onError?.(error, `event source ${mapping.logicalId}`),
        lostDeleteRate: faults.duplicate,
      });
      return { mapping, fn, queue, dlq: queuesByArn.get(dlqArnOf(queue) ?? ''), poller, host };
    });
    stopping.push(async () => {
      await Promise.all(pollers.map(({ poller }) => poller.stop()));
    });
    for (const { poller } of pollers) poller.start();

    const snsDeliveries = startSnsDeliveries({
      subscriptions: options.backendOnly ? [] : provisioned.lambdaSubscriptions,
      functions: functionsByName,
      queueUrlOf: (arn) => queuesByArn.get(arn)?.url,
      hostFor,
      sqs: clients.sqs,
      concurrency: Math.max(
        1,
        Math.min(sqsScaling.initialConcurrency, options.maxConcurrency ?? Number.POSITIVE_INFINITY),
      ),
      retryDelaysMs: options.asyncRetryDelaysMs,
      warn,
      onError: options.onError,
    });
    stopping.push(async () => {
      await Promise.all(snsDeliveries.map((delivery) => delivery.stop()));
    });
    const hostOf = (fn: FunctionSpec) => hostFor(fn, options.httpApiConcurrency ?? 4);
    const httpApis = options.backendOnly
      ? undefined
      : await startHttpApis({
          topology,
          hostOf,
          port: options.httpApiPort ?? 0,
          host: options.host,
          onAccess: options.onAccess,
          onWarning: warn,
        });
    stopping.push(async () => {
      hold.set(false);
      await httpApis?.stop();
    });

    const depth = async (queue: QueueSpec | undefined) => {
      if (queue === undefined) return { visible: 0, notVisible: 0 };
      const { Attributes = {} } = await clients.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queue.url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return {
        visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
        notVisible: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      };
    };

    return {
      endpoint,
      region,
      topology,
      queueUrls,
      clients,
      backend,
      startedInMs: Date.now() - started,
      httpApis: httpApis?.apis ?? [],
      issueToken: (request) =>
        httpApis
          ? httpApis.issueToken(request)
          : Promise.reject(new Error('No HTTP APIs run (backend only)')),
      holdConsumers: (held) => hold.set(held),
      notificationsDelivered: () => notifier?.idle() ?? Promise.resolve(),
      async status() {
        return Promise.all(
          pollers.map(async ({ mapping, fn, queue, dlq, poller, host }): Promise<ConsumerStatus> => {
            const [source, dead] = await Promise.all([depth(queue), depth(dlq)]);
            const polled = poller.stats();
            const hosted = host.stats();
            return {
              mapping: mapping.logicalId,
              functionName: fn.name,
              queueName: queue.name,
              ...(dlq ? { dlqName: dlq.name } : {}),
              concurrency: concurrencyOf(mapping),
              currentConcurrency: polled.concurrency,
              throttles: polled.throttles,
              messagesInFlight: polled.messagesInFlight,
              invocationsInFlight: polled.invocationsInFlight,
              invocations: polled.invocations,
              deleted: polled.deleted,
              retried: polled.retried,
              filteredOut: polled.filteredOut,
              coldStarts: hosted.coldStarts,
              timeouts: hosted.timeouts,
              errors: hosted.errors,
              backlog: source.visible,
              notVisible: source.notVisible,
              dlqDepth: dead.visible + dead.notVisible,
              metrics: { ...metricSums.get(fn.name) },
              ...(hosted.lastError ? { lastError: hosted.lastError } : {}),
            };
          }),
        );
      },
      stop: shutdown,
    };
  } catch (error) {
    await shutdown();
    throw error;
  }
};
