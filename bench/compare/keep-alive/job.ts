import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { SQSEvent } from 'aws-lambda';
import { createAwsClients } from '../../../lambdas/shared/clients';
import { ImageTable } from '../../../lambdas/shared/store';
import { type BenchObject, createSequencer, uploadBatch } from '../events';
import { handlerFor, runtimeFor, type Target } from '../wiring';

export const keepAliveModes = ['module-scope', 'per-invocation', 'per-invocation-sdk-default'] as const;
export type KeepAliveMode = (typeof keepAliveModes)[number];

export interface KeepAliveJob {
  readonly kind: 'keep-alive';
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

export interface KeepAliveResult {
  readonly endpoint: string;
  readonly samples: KeepAliveSample[];
  readonly created: number;
  readonly retried: number;
}

const consumer = 'indexing';

/**
 * SDK clients made inside the handler, as a handler that forgot module scope does: with an agent
 * that never keeps a connection (`per-invocation`), or with the SDK v3 default agent, which keeps
 * connections alive only for the life of that one client (`per-invocation-sdk-default`).
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
  return {
    clients: {
      s3,
      dynamo: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
    },
    destroy() {
      s3.destroy();
      dynamo.destroy();
    },
  };
};

/** The indexing consumer over many small batches, one invocation at a time (one environment). */
export const runKeepAliveJob = async (job: KeepAliveJob): Promise<KeepAliveResult> => {
  const { target } = job;
  const nextSequencer = createSequencer();
  const moduleClients = createAwsClients();
  // Logger and metrics stay at module scope in every mode: only the clients differ.
  const moduleRuntime = runtimeFor(consumer, moduleClients, target, 4);
  const counts = { created: 0 };
  const moduleHandler = handlerFor(consumer, moduleClients, target, { recordConcurrency: 4 });

  const handlers: Record<KeepAliveMode, (event: SQSEvent) => Promise<{ batchItemFailures: unknown[] }>> = {
    'module-scope': async (event) => {
      const before = moduleHandler.counts.created;
      const response = await moduleHandler.handler(event);
      counts.created += moduleHandler.counts.created - before;
      return response;
    },
    'per-invocation': (event) => perInvocation(event, false),
    'per-invocation-sdk-default': (event) => perInvocation(event, true),
  };
  const perInvocation = async (event: SQSEvent, keepAlive: boolean) => {
    const made = perInvocationClients(keepAlive);
    try {
      const { handler, counts: invocationCounts } = handlerFor(consumer, made.clients, target, {
        recordConcurrency: 4,
        runtime: moduleRuntime,
        table: new ImageTable(made.clients.dynamo, target.tableName),
      });
      const response = await handler(event);
      counts.created += invocationCounts.created;
      return response;
    } finally {
      made.destroy();
    }
  };

  let cursor = 0;
  let retried = 0;
  const nextBatch = () =>
    uploadBatch(
      target.uploadsBucket,
      Array.from(
        { length: job.recordsPerBatch },
        () => job.objects[cursor++ % job.objects.length] as BenchObject,
      ),
      nextSequencer,
      target.region,
    );
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
  counts.created = 0;
  const samples: KeepAliveSample[] = [];
  for (let round = 0; round < job.rounds; round++) {
    // Rotate the order so that no mode always follows the same one.
    const order = modes.map((_, i) => modes[(i + round) % modes.length] as KeepAliveMode);
    for (const mode of order) samples.push(await block(mode, job.invocationsPerBlock));
  }
  return { endpoint: process.env.AWS_ENDPOINT_URL ?? '', samples, created: counts.created, retried };
};
