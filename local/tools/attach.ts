import {
  createLocalClients,
  deadLetterTargetOf,
  emulatorAccountId,
  findQueues,
  type LocalClients,
  type LocalPipeline,
  queueDepth,
  readTopology,
  type Topology,
} from '../emulator';

/** Where a queue work comes from stands: messages waiting, and messages received and not yet deleted. */
export interface SourceQueueDepth {
  readonly queueName: string;
  readonly backlog: number;
  readonly notVisible: number;
}

/** What the soak, the accounting and the tools need of a pipeline, wherever its consumers run. */
export interface PipelineView {
  readonly topology: Topology;
  readonly clients: LocalClients;
  readonly queueUrls: ReadonlyMap<string, string>;
  /** Depths of the queues work comes from (not the DLQs). */
  status(): Promise<readonly SourceQueueDepth[]>;
}

export const viewOf = (pipeline: LocalPipeline): PipelineView => pipeline;

/**
 * A view of a pipeline running in other processes (a backend-only process and a consumer process):
 * the topology from the same cloud assembly, the queues found on the endpoint.
 */
export const attachPipeline = async (options: {
  cloudAssemblyDir: string;
  endpoint: string;
  region?: string;
  accountId?: string;
}): Promise<PipelineView & { close(): void }> => {
  const region = options.region ?? 'us-east-1';
  const topology = readTopology({
    cloudAssemblyDir: options.cloudAssemblyDir,
    naming: {
      region,
      accountId: options.accountId ?? emulatorAccountId,
      partition: 'aws',
      endpoint: options.endpoint,
    },
  });
  const clients = createLocalClients(options.endpoint, region);
  const { queueUrls } = await findQueues(topology, clients);
  // The depth that matters is the work still to do: dead-letter queues are where work ends.
  const deadLetterArns = new Set(topology.queues.map(deadLetterTargetOf));
  const sources = topology.queues.filter((queue) => !deadLetterArns.has(queue.arn));
  return {
    topology,
    clients,
    queueUrls,
    status: () =>
      Promise.all(
        sources.map(async (queue) => {
          const { visible, notVisible } = await queueDepth(
            clients.sqs,
            queueUrls.get(queue.arn) ?? queue.url,
          );
          return { queueName: queue.name, backlog: visible, notVisible };
        }),
      ),
    close: () => clients.destroy(),
  };
};
