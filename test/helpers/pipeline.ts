/**
 * A local pipeline for one test file: started before its tests, stopped after them (after the
 * file's own afterAll hooks, which vitest runs in reverse order of registration).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { type LocalPipeline, type LocalPipelineOptions, startLocalPipeline } from '../../local/emulator';
import { type PipelineNames, pipelineNames } from './outputs';

type Options = LocalPipelineOptions | Promise<LocalPipelineOptions>;

export interface PipelineErrors {
  /** What the runtime reported through onError, as "where: error"; a test expects none. */
  readonly runtimeErrors: readonly string[];
}

/** Starts the pipeline `options()` describes before the tests; `started` receives it. */
export const useLocalPipeline = (
  options: () => Options,
  started: (pipeline: LocalPipeline) => void | Promise<void>,
  hookTimeoutMs?: number,
): PipelineErrors => {
  const runtimeErrors: string[] = [];
  let pipeline: LocalPipeline | undefined;
  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      onError: (error, where) => runtimeErrors.push(`${where}: ${String(error)}`),
      ...(await options()),
    });
    await started(pipeline);
  }, hookTimeoutMs);
  afterAll(async () => {
    await pipeline?.stop();
  });
  return { runtimeErrors };
};

/** A fixture app synthesized into a directory of its own, run on a free port, the directory removed after. */
export const useFixturePipeline = (
  fixture: { readonly prefix: string; readonly synth: (dir: string) => void },
  options: Omit<LocalPipelineOptions, 'cloudAssemblyDir'>,
  started: (pipeline: LocalPipeline) => void,
): PipelineErrors => {
  let dir: string | undefined;
  // Registered first, so it runs last: after the pipeline has stopped.
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return useLocalPipeline(() => {
    dir = mkdtempSync(join(tmpdir(), fixture.prefix));
    fixture.synth(dir);
    return { cloudAssemblyDir: dir, port: 0, ...options };
  }, started);
};

/** The image pipeline's resources, by the stack outputs lib/image-fanout-stack.ts declares. */
export interface ImagePipeline {
  readonly pipeline: LocalPipeline;
  readonly doc: DynamoDBDocumentClient;
  readonly names: PipelineNames;
}

export const imagePipelineOf = (pipeline: LocalPipeline): ImagePipeline => {
  return {
    pipeline,
    doc: DynamoDBDocumentClient.from(pipeline.clients.dynamo),
    names: pipelineNames(pipeline.topology.outputs),
  };
};
