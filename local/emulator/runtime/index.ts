/** The runtime: reads a stack and wires the backend, provisioning, notifications and function hosts. */
export { emulatorFunctionEnvironment } from './environment';
export type { ConsumerStatus, EmulatorFaults, LocalPipeline, LocalPipelineOptions } from './options';
export { twoPerCore } from './options';
export { startLocalPipeline } from './pipeline';
