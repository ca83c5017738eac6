/** The first steps of a local run: the backend, the topology, its resources, and S3 notifications. */
import { type EmbeddedBackend, startEmbeddedBackend } from '../backend';
import { endpointAccountId, type LocalClients } from '../clients';
import { createNotifier, type Notifier } from '../notifications';
import { findQueues, type ProvisionResult, provision } from '../provision';
import { type QueueSpec, readTopology, type Topology } from '../template';
import type { LocalPipelineOptions } from './options';

type Warn = (message: string) => void;

/** The embedded backend, or nothing when the run uses an external endpoint. */
export const startBackend = async (
  options: LocalPipelineOptions,
  region: string,
): Promise<EmbeddedBackend | undefined> =>
  options.endpoint === undefined
    ? startEmbeddedBackend({
        port: options.port ?? 4566,
        host: options.host,
        region,
        dynamoPath: options.dynamoPath,
      })
    : undefined;

/** The endpoint's own account, or LocalStack's default (with a warning) when it cannot say. */
const accountOf = async (endpoint: string, region: string, warn: Warn) => {
  const answer = await endpointAccountId(endpoint, region);
  if (answer.source === 'default') {
    warn(
      `${endpoint} did not answer STS GetCallerIdentity (${answer.why}); using account ${answer.accountId}`,
    );
  }
  return answer.accountId;
};

/** The stack's topology, named as the endpoint names things (its account, region and URLs). */
export const readStackTopology = async (
  options: LocalPipelineOptions,
  where: { readonly endpoint: string; readonly region: string },
  warn: Warn,
): Promise<Topology> => {
  const accountId = options.accountId ?? (await accountOf(where.endpoint, where.region, warn));
  const topology = readTopology({
    cloudAssemblyDir: options.cloudAssemblyDir,
    stackName: options.stackName,
    naming: { region: where.region, accountId, partition: 'aws', endpoint: where.endpoint },
  });
  for (const warning of topology.warnings) warn(warning);
  return topology;
};

/**
 * Creates the resources (or finds those another process created). An external endpoint gets the
 * bucket notification configuration and delivers notifications itself; the embedded one does not.
 */
export const provisionTopology = async (
  options: LocalPipelineOptions,
  topology: Topology,
  clients: LocalClients,
  warn: Warn,
): Promise<ProvisionResult> => {
  const provisioned = options.skipProvision
    ? await findQueues(topology, clients)
    : await provision(topology, clients, { nativeNotifications: options.endpoint !== undefined });
  for (const warning of provisioned.warnings) warn(warning);
  for (const table of provisioned.tablesWithoutTtl) {
    warn(`Table ${table}: the endpoint has no TimeToLive, so expired items stay until deleted`);
  }
  return provisioned;
};

/** Delivers the embedded backend's object events as the template's bucket notifications say. */
export const startNotifications = async (
  backend: EmbeddedBackend | undefined,
  topology: Topology,
  queues: readonly QueueSpec[],
  clients: LocalClients,
  options: LocalPipelineOptions & { readonly region: string },
): Promise<Notifier | undefined> => {
  if (backend === undefined || topology.notifications.length === 0) return undefined;
  const notifier = createNotifier({
    notifications: topology.notifications,
    queues,
    region: options.region,
    sns: clients.sns,
    sqs: clients.sqs,
    onWarning: options.onWarning,
    onError: (error) => options.onError?.(error, 'S3 event notification'),
    duplicateRate: options.faults?.duplicate,
  });
  backend.onObjectEvent((event) => void notifier.deliver(event));
  await notifier.sendTestEvents();
  return notifier;
};
