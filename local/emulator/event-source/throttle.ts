/**
 * A function's reserved concurrency (ReservedConcurrentExecutions): an invocation over it is
 * throttled, shared across every event source of the function ("Configuring reserved concurrency
 * for a function"). The event source retries a throttled batch, backing off, until its messages'
 * visibility timeout would run out, then lets them go: they come back from the queue with a higher
 * receive count ("Handling errors for an SQS event source in Lambda").
 */
import type { InvokeOutcome } from '../lambda';

export interface ThrottledOutcome {
  readonly status: 'throttled';
  readonly errorType: 'TooManyRequestsException';
  readonly errorMessage: string;
  readonly reason: 'ReservedFunctionConcurrentInvocationLimitExceeded';
}

/** What one invoke attempt gives the event source: the function's outcome, or a throttle. */
export type DispatchOutcome = InvokeOutcome | ThrottledOutcome;

export const throttledOutcome: ThrottledOutcome = {
  status: 'throttled',
  errorType: 'TooManyRequestsException',
  errorMessage: 'Rate Exceeded.',
  reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
};

export interface ConcurrencyGate {
  readonly limit: number;
  tryAcquire(): boolean;
  release(): void;
  running(): number;
}

export const createConcurrencyGate = (limit: number): ConcurrencyGate => {
  let running = 0;
  return {
    limit,
    tryAcquire() {
      if (running >= limit) return false;
      running += 1;
      return true;
    },
    release() {
      running = Math.max(0, running - 1);
    },
    running: () => running,
  };
};

/** Invokes through the gate: over the limit, the attempt is throttled and the function never runs. */
export const gatedInvoke =
  (invoke: (event: unknown) => Promise<InvokeOutcome>, gate: ConcurrencyGate | undefined) =>
  async (event: unknown): Promise<DispatchOutcome> => {
    if (gate === undefined) return invoke(event);
    if (!gate.tryAcquire()) return throttledOutcome;
    try {
      return await invoke(event);
    } finally {
      gate.release();
    }
  };

/** One gate per function with reserved concurrency, shared by all of the function's event sources. */
export const reservedConcurrencyGates = (
  functions: readonly { readonly name: string; readonly reservedConcurrentExecutions?: number }[],
): Map<string, ConcurrencyGate> =>
  new Map(
    functions.flatMap(({ name, reservedConcurrentExecutions: reserved }) =>
      reserved === undefined ? [] : [[name, createConcurrencyGate(reserved)] as const],
    ),
  );
