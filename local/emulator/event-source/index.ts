/** Lambda's SQS event source mapping, rule by rule (docs/event-source.md). */

export { BackgroundLoop } from './background-loop';
export { sqsPatternProblem } from './filter-syntax';
export { createHold, type Hold } from './hold';
export { concurrencyCeiling, queueSettingsOf, sqsLimits, sqsScaling } from './settings';
export { type BatchReport, type PollerStats, SqsPoller, type SqsPollerOptions } from './sqs-poller';
export { type DispatchOutcome, gatedInvoke, reservedConcurrencyGates } from './throttle';
