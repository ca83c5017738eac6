import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createLocalClients, type LocalClients } from './clients';
import { findQueues } from './provision';
import type { LocalPipeline } from './runtime';
import { readTopology } from './template/topology';
import type { Topology } from './template/types';

export interface QueueDepth {
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
  status(): Promise<readonly QueueDepth[]>;
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
      accountId: options.accountId ?? '000000000000',
      partition: 'aws',
      endpoint: options.endpoint,
    },
  });
  const clients = createLocalClients(options.endpoint, region);
  const { queueUrls } = await findQueues(topology, clients);
  // The depth that matters is the work still to do: dead-letter queues are where work ends.
  const deadLetterArns = new Set(
    topology.queues.flatMap((queue) => {
      const policy = queue.attributes.RedrivePolicy;
      return policy ? [(JSON.parse(policy) as { deadLetterTargetArn: string }).deadLetterTargetArn] : [];
    }),
  );
  const sources = topology.queues.filter((queue) => !deadLetterArns.has(queue.arn));
  return {
    topology,
    clients,
    queueUrls,
    async status() {
      return Promise.all(
        sources.map(async (queue) => {
          const { Attributes = {} } = await clients.sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: queueUrls.get(queue.arn),
              AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
            }),
          );
          return {
            queueName: queue.name,
            backlog: Number(Attributes.ApproximateNumberOfMessages ?? 0),
            notVisible: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
          };
        }),
      );
    },
    close: () => clients.destroy(),
  };
};
