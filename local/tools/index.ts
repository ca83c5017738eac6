/**
 * The tools built on the emulator core for this app: the accounting, soak, storm and demo behind
 * `npm run soak` and `npm run demo`, the status line and banner of `npm start`, and the local synth.
 * The command lines themselves are cli.ts and soak-cli.ts.
 */
export {
  type Accounting,
  accountFor,
  deadLetterKeys,
  type ExpectedUpload,
  formatAccounting,
  type ImageAccount,
  isFinal,
  listKeys,
  tally,
  type Verdict,
} from './accounting';
export { attachPipeline, type PipelineView, type SourceQueueDepth, viewOf } from './attach';
export { apiLines, developmentUser } from './banner';
export { type DemoResult, type DemoSample, demoSamples, formatDemo, runDemo } from './demo';
export { anyFaults, type FaultSettings, faultOptions, parseFaults } from './faults';
export { type ImageStanding, imageStanding, type StageView } from './image-status';
export {
  ensureSoakAssembly,
  runSoak,
  type SoakOptions,
  type SoakResult,
  type SoakUpload,
  soakContext,
  soakTimeoutSeconds,
  soakUploads,
} from './soak';
export { consumerLabel, formatStatus } from './status-line';
export {
  accountForStorm,
  formatStorm,
  type KeyState,
  runStorm,
  type StormAccount,
  type StormOptions,
  type StormVerdict,
  stormVerdict,
} from './storm';
export { ensureLocalAssembly, type LocalAssembly, type LocalAssemblyOptions, localContext } from './synth';
