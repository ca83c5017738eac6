/** The keep-alive comparison's process: the indexing consumer, one invocation at a time, in each client mode. */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { SQSEvent } from 'aws-lambda';
import { createAwsClients } from '../../lambdas/shared/clients';
import { consumerRuntimeFromEnv } from '../../lambdas/shared/consumer';
import { ImageTable } from '../../lambdas/shared/store';
import { type BenchObject, createSequencer, uploadBatch } from '../events';
import type { Target } from './environment';
import { alternated, type Handler } from './handlers';
import { wiredHandler } from './wired';

export const keepAliveModes = ['module-scope', 'per-invocation', 'per-invocation-sdk-default'] as const;
export type KeepAliveMode = (typeof keepAliveModes)[number];

export interface KeepAliveJob {
  readonly target: Target;
  readonly objects: readonly BenchObject[];
  readonly recordsPerBatch: number;
  readonly invocationsPerBlock: number;
  readonly warmupInvocations: number;
  readonly rounds: number;
  /** Defaults to every mode. */
  readonly modes?: readonly KeepAliveMode[];
}

export interface KeepAliveSample {
  readonly mode: KeepAliveMode;
  readonly messages: number;
  readonly seconds: number;
}

/**
 * SDK clients made inside the handler: with an agent that never keeps a connection
 * (`per-invocation`), or with the SDK v3 default agent, which keeps connections alive only for the
 * life of that one client (`per-invocation-sdk-default`).
 */
const perInvocationClients = (keepAlive: boolean) => {
  const requestHandler = keepAlive
    ? undefined
    : new NodeHttpHandler({
        httpAgent: new HttpAgent({ keepAlive: false }),
        httpsAgent: new HttpsAgent({ keepAlive: false }),
      });
  const s3 = new S3Client({ requestHandler });
  const dynamo = new DynamoDBClient({ requestHandler });
  const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const destroy = () => {
    s3.destroy();
    dynamo.destroy();
  };
  return { clients: { s3, dynamo: doc }, destroy };
};

const handlersByMode = (tableName: string): Record<KeepAliveMode, Handler> => {
  const moduleClients = createAwsClients();
  // Logger, metrics and settings stay at module scope in every mode: only the clients differ.
  const runtime = consumerRuntimeFromEnv('indexing', moduleClients);
  const moduleScope = wiredHandler('indexing', moduleClients, { runtime });
  const perInvocation = (keepAlive: boolean) => async (event: SQSEvent) => {
    const made = perInvocationClients(keepAlive);
    try {
      const table = new ImageTable(made.clients.dynamo, tableName);
      return await wiredHandler('indexing', made.clients, { runtime, table })(event);
    } finally {
      made.destroy();
    }
  };
  return {
    'module-scope': moduleScope,
    'per-invocation': perInvocation(false),
    'per-invocation-sdk-default': perInvocation(true),
  };
};

export const runKeepAliveJob = async (job: KeepAliveJob) => {
  const { target } = job;
  const nextSequencer = createSequencer();
  const handlers = handlersByMode(target.tableName);
  let cursor = 0;
  let retried = 0;
  const nextBatch = () => {
    const objects = Array.from(
      { length: job.recordsPerBatch },
      () => job.objects[cursor++ % job.objects.length] as BenchObject,
    );
    return uploadBatch(target.uploadsBucket, objects, nextSequencer, target.region);
  };
  const block = async (mode: KeepAliveMode, invocations: number): Promise<KeepAliveSample> => {
    const started = performance.now();
    for (let i = 0; i < invocations; i++) {
      retried += (await handlers[mode](nextBatch())).batchItemFailures.length;
    }
    return {
      mode,
      messages: invocations * job.recordsPerBatch,
      seconds: (performance.now() - started) / 1000,
    };
  };
  const modes = job.modes ?? keepAliveModes;
  for (const mode of modes) await block(mode, job.warmupInvocations);
  const samples: KeepAliveSample[] = [];
  for (let round = 0; round < job.rounds; round++) {
    for (const mode of alternated(modes, round)) samples.push(await block(mode, job.invocationsPerBlock));
  }
  return { samples, retried };
};
