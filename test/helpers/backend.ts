/**
 * The embedded backend on a free port with the runtime's own SDK clients for it (path-style S3, an
 * SQS client that ignores the emulator's queue host names): one per test file.
 */
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll } from 'vitest';
import {
  createLocalClients,
  type EmbeddedBackend,
  type EmbeddedBackendOptions,
  type LocalClients,
  startEmbeddedBackend,
} from '../../local/emulator';

export interface TestBackend {
  readonly backend: EmbeddedBackend;
  readonly clients: LocalClients;
}

/** Starts the backend before the file's tests and stops it after them; `started` receives it. */
export const useTestBackend = (
  started: (local: TestBackend) => void | Promise<void>,
  options: EmbeddedBackendOptions = {},
): void => {
  let local: TestBackend | undefined;
  beforeAll(async () => {
    const backend = await startEmbeddedBackend({ port: 0, ...options });
    local = { backend, clients: createLocalClients(backend.endpoint, backend.region) };
    await started(local);
  });
  afterAll(async () => {
    local?.clients.destroy();
    await local?.backend.stop();
  });
};

/** Creates a queue with these attributes; its URL. */
export const createQueue = async (
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string> = {},
): Promise<string> => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (QueueUrl === undefined) throw new Error(`No URL for queue ${name}`);
  return QueueUrl;
};
