/** What every local measurement needs of the synthesized stack: its consumers and their mappings. */

import type { EventSourceMappingSpec, FunctionSpec, LocalPipelineOptions, Topology } from '../local/emulator';
import { emulatorCredentials } from '../local/emulator';
import { consumerLabel } from '../local/tools';

/** Lambda starts an SQS event source with five concurrent batches when nothing caps it (as the runtime). */
const defaultMappingConcurrency = 5;

export interface ConsumerSetup {
  readonly label: string;
  readonly fn: FunctionSpec;
  /** The mapping as it runs: the template's, after any experiment's adjustment. */
  readonly mapping: EventSourceMappingSpec;
  /** Invocations at once. */
  readonly concurrency: number;
}

/** Tuning a run applies over the template (the sweep's settings, a smaller cap for a small laptop). */
export interface PipelineTuning {
  readonly adjustMapping?: LocalPipelineOptions['adjustMapping'];
  readonly functionEnvironment?: LocalPipelineOptions['functionEnvironment'];
  readonly maxConcurrency?: number;
}

/** The consumers the runtime would run for this topology, with the same concurrency it would give them. */
export const consumerSetups = (topology: Topology, tuning: PipelineTuning = {}): ConsumerSetup[] => {
  const functions = new Map(topology.functions.map((fn) => [fn.name, fn]));
  return topology.eventSourceMappings.flatMap((original) => {
    const fn = functions.get(original.functionName);
    if (!original.enabled || fn?.assetDir === undefined) return [];
    const mapping = tuning.adjustMapping?.(original, fn) ?? original;
    const concurrency = Math.max(
      1,
      Math.min(
        mapping.maximumConcurrency ?? defaultMappingConcurrency,
        tuning.maxConcurrency ?? Number.POSITIVE_INFINITY,
      ),
    );
    return [{ label: consumerLabel(fn.name), fn, mapping, concurrency }];
  });
};

/** Mapping logical id -> consumer label, for the runtime's batch reports. */
export const labelsByMapping = (setups: readonly ConsumerSetup[]) =>
  new Map(setups.map((setup) => [setup.mapping.logicalId, setup.label]));

/** The variables the runtime gives every function on top of its own (endpoint and test credentials). */
export const hostEnvironment = (endpoint: string): Record<string, string> => ({
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? emulatorCredentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? emulatorCredentials.secretAccessKey,
  ...(process.env.AWS_SESSION_TOKEN ? { AWS_SESSION_TOKEN: process.env.AWS_SESSION_TOKEN } : {}),
  AWS_ENDPOINT_URL: endpoint,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

export const outputOf = (topology: Topology, name: string): string => {
  const value = topology.outputs[name];
  if (value === undefined)
    throw new Error(`The stack has no output ${name}; is this the image-fanout stack?`);
  return value;
};
