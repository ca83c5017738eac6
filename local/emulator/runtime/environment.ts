/** The variables a function runs with locally, on top of its own from the template. */
import { emulatorCredentials } from '../clients';
import type { FunctionSpec, QueueSpec } from '../template';
import type { LocalPipelineOptions } from './options';

/** The endpoint (the SDK reads AWS_ENDPOINT_URL) and credentials: the caller's, or the emulator's pair. */
export const emulatorFunctionEnvironment = (endpoint: string): Record<string, string> => ({
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? emulatorCredentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? emulatorCredentials.secretAccessKey,
  ...(process.env.AWS_SESSION_TOKEN ? { AWS_SESSION_TOKEN: process.env.AWS_SESSION_TOKEN } : {}),
  AWS_ENDPOINT_URL: endpoint,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

/** The topology's queues at the URLs the endpoint answered, which the template cannot predict. */
export const queuesAtEndpoint = (
  queues: readonly QueueSpec[],
  endpointUrls: ReadonlyMap<string, string>,
): QueueSpec[] => queues.map((queue) => ({ ...queue, url: endpointUrls.get(queue.arn) ?? queue.url }));

/**
 * Each function's environment: the emulator's, the caller's, then its variables that hold a queue's
 * template URL (a Ref to a queue) set to the URL the endpoint knows the queue by.
 */
export const functionEnvironments = (
  endpoint: string,
  queues: readonly QueueSpec[],
  queueUrls: ReadonlyMap<string, string>,
  options: Pick<LocalPipelineOptions, 'environment' | 'functionEnvironment'>,
) => {
  const endpointUrls = new Map(queues.map((queue) => [queue.url, queueUrls.get(queue.arn) ?? queue.url]));
  const common = { ...emulatorFunctionEnvironment(endpoint), ...options.environment };
  return (fn: FunctionSpec): Record<string, string> => ({
    ...common,
    ...Object.fromEntries(
      Object.entries(fn.environment).flatMap(([name, value]) => {
        const url = endpointUrls.get(value);
        return url === undefined ? [] : [[name, url]];
      }),
    ),
    ...options.functionEnvironment?.(fn),
  });
};
