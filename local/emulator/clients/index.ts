/** SDK clients for an endpoint (the embedded backend, LocalStack, moto) and what tools ask of it. */
export {
  type AccountAnswer,
  createLocalClients,
  emulatorAccountId,
  emulatorCredentials,
  endpointAccountId,
  type LocalClients,
  localCredentials,
} from './endpoint-clients';
export { type PeekOptions, peekQueue, releaseMessages } from './peek-queue';
export { emptyQueueDepth, type QueueDepth, queueDepth } from './queue-depth';
