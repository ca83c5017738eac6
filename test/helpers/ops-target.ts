/** The operator's tool pointed at a local pipeline, as `npm run ops -- --endpoint` points it. */
import { afterAll } from 'vitest';
import type { LocalPipeline } from '../../local/emulator';
import { endpointTarget, type Target } from '../../ops/target';
import { type PipelineErrors, useLocalPipeline } from './pipeline';
import { pipelineTarget } from './target';

/** Runs the assembly's pipeline for the file's tests (`where`: see target.ts), and an ops target on its endpoint. */
export const useOpsTarget = (
  assembly: string,
  started: (local: { pipeline: LocalPipeline; target: Target }) => void,
  where: { endpoint: string } | { port: number } = pipelineTarget(),
): PipelineErrors => {
  let target: Target | undefined;
  // Registered first, so it runs last: the target's clients close after the pipeline has stopped.
  afterAll(() => target?.close());
  return useLocalPipeline(
    () => ({ cloudAssemblyDir: assembly, ...where }),
    async (pipeline) => {
      target = await endpointTarget({
        endpoint: pipeline.endpoint,
        region: pipeline.region,
        cloudAssemblyDir: assembly,
      });
      started({ pipeline, target });
    },
  );
};
