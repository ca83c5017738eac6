import type { EmbeddedBackend } from '../backend';
import { createLocalClients, type LocalClients } from '../clients';
import { createHold, type Hold } from '../event-source';
import type { LocalHttpApis } from '../http-api';
import type { Notifier } from '../notifications';
import type { ProvisionResult } from '../provision';
import type { Topology } from '../template';
import { queuesAtEndpoint } from './environment';
import { type EventSource, runnableMappings, startEventSources } from './event-sources';
import { createFunctionHosts } from './hosts';
import { startApis, startSubscriptions } from './invokers';
import type { LocalPipeline, LocalPipelineOptions } from './options';
import { provisionTopology, readStackTopology, startBackend, startNotifications } from './setup';
import { consumerStatus, MetricSums } from './status';

/** What the run has started, stopped in the reverse order. */
class Shutdown {
  private readonly steps: (() => Promise<unknown>)[] = [];

  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) await step();
  }
}

interface Running {
  readonly started: number;
  readonly region: string;
  readonly topology: Topology;
  readonly provisioned: ProvisionResult;
  readonly clients: LocalClients;
  readonly backend?: EmbeddedBackend;
  readonly endpoint: string;
  readonly notifier?: Notifier;
  readonly sources: readonly EventSource[];
  readonly metrics: MetricSums;
  readonly hold: Hold;
  readonly httpApis?: LocalHttpApis;
  readonly shutdown: Shutdown;
}

const pipelineOf = (running: Running): LocalPipeline => {
  const { topology, clients, backend, endpoint, region, httpApis, hold, notifier, sources } = running;
  return {
    endpoint,
    region,
    topology,
    queueUrls: running.provisioned.queueUrls,
    clients,
    ...(backend ? { backend } : {}),
    startedInMs: Date.now() - running.started,
    httpApis: httpApis?.apis ?? [],
    issueToken: (request) =>
      httpApis ? httpApis.issueToken(request) : Promise.reject(new Error('No HTTP APIs run (backend only)')),
    holdConsumers: (held) => hold.set(held),
    notificationsDelivered: () => notifier?.idle() ?? Promise.resolve(),
    status: () => Promise.all(sources.map((source) => consumerStatus(source, clients.sqs, running.metrics))),
    stop: () => running.shutdown.run(),
  };
};

/**
 * Brings a synthesized stack up locally: reads its template, creates its resources on the
 * embedded backend (or an external endpoint), delivers S3 notifications, and runs every Lambda
 * function the stack invokes (SQS event source mappings, SNS subscriptions, HTTP APIs) from its
 * bundle in the cloud assembly, with the event source's semantics.
 */
export const startLocalPipeline = async (options: LocalPipelineOptions): Promise<LocalPipeline> => {
  const started = Date.now();
  const region = options.region ?? 'us-east-1';
  const warn = (message: string) => options.onWarning?.(message);
  const backend = await startBackend(options, region);
  const endpoint = backend?.endpoint ?? (options.endpoint as string);
  const clients = createLocalClients(endpoint, region);
  const shutdown = new Shutdown();
  shutdown.add(async () => {
    clients.destroy();
    await backend?.stop();
  });
  try {
    const topology = await readStackTopology(options, { endpoint, region }, warn);
    const provisioned = await provisionTopology(options, topology, clients, warn);
    const queues = queuesAtEndpoint(topology.queues, provisioned.queueUrls);
    const notifier = await startNotifications(backend, topology, queues, clients, { ...options, region });
    // Throttling starts once everything exists: it is the consumers' resilience under test.
    backend?.setThrottleRate(options.faults?.throttle ?? 0);
    const metrics = new MetricSums();
    const hosts = createFunctionHosts(endpoint, topology, provisioned.queueUrls, options, metrics);
    shutdown.add(() => hosts.stop());
    const hold = createHold();
    const sources = startEventSources(
      options.backendOnly ? [] : runnableMappings(topology, queues, options, warn),
      {
        ...options,
        region,
        sqs: clients.sqs,
        queues,
        hosts,
        hold,
        lostDeleteRate: options.faults?.duplicate,
      },
    );
    shutdown.add(() => Promise.all(sources.map(({ poller }) => poller.stop())));
    const deliveries = startSubscriptions(
      options,
      { topology, provisioned, queues, hosts, sqs: clients.sqs },
      warn,
    );
    shutdown.add(() => Promise.all(deliveries.map((delivery) => delivery.stop())));
    const httpApis = await startApis(options, topology, hosts, warn);
    shutdown.add(async () => {
      hold.set(false);
      await httpApis?.stop();
    });
    return pipelineOf({
      started,
      region,
      topology,
      provisioned,
      clients,
      backend,
      endpoint,
      notifier,
      sources,
      metrics,
      hold,
      httpApis,
      shutdown,
    });
  } catch (error) {
    await shutdown.run();
    throw error;
  }
};
