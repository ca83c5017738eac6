/** Template reading: a cloud assembly's stack as the Topology the runtime brings up. */
export { listStacks, type StackArtifact, selectStack } from './assembly';
export { type CfnResource, type CfnTemplate, TemplateError } from './cfn';
export { functionNameOf, whyNotRunnable } from './lambda';
export { deadLetterTargetOf } from './messaging';
export { DeployRefusedError, type Refusal, refusalCodes } from './refusals';
export { buildTopology, type ReadTopologyOptions, readTopology, type TopologyOptions } from './topology';
export type * from './types';
