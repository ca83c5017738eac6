export { formatComparisons, formatMemory } from './format';
export { recommendMemorySize } from './memory/run';
export { type MicroSuiteResult, measureConsumerMemory, runMicroComparisons, runMicroSuite } from './suite';
export {
  type Comparison,
  type ComparisonName,
  type ConsumerMemory,
  comparisonNames,
  type Measurement,
  type MicroOptions,
} from './types';
