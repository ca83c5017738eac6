/** The function host: a function's bundle run in Lambda-like execution environments (worker threads). */
export { providedSdk } from './aws-sdk';
export { createFunctionHost, lambdaInitLimitMs } from './host';
export type * from './types';
