import type { PlatformLog } from './platform-log';
import type { Lease } from './pool';
import type { InvokeOutcome } from './types';

export interface InvocationSettings {
  readonly timeoutMs: number;
  readonly timeoutSeconds: number;
  readonly platformLog: PlatformLog;
}

/** A cold start's init: its duration, or the invocation's outcome when it failed, as Lambda reports it. */
const coldStart = async (
  lease: Lease,
  requestId: string,
  settings: InvocationSettings,
): Promise<{ readonly initDurationMs: number } | { readonly outcome: InvokeOutcome }> => {
  const init = await lease.environment.initialised;
  if (init.ok) return { initDurationMs: init.initDurationMs };
  settings.platformLog.initFailed(init.durationMs, init.timedOut ? 'timeout' : 'error', init.error.errorType);
  settings.platformLog.start(requestId);
  const base = { requestId, coldStart: true, durationMs: init.durationMs };
  const outcome: InvokeOutcome = init.timedOut
    ? { ...base, status: 'timeout', errorMessage: init.error.errorMessage }
    : { ...base, status: 'error', ...init.error };
  return { outcome };
};

/** Runs one invocation on a leased environment, its init first on a cold start. */
export const runInvocation = async (
  lease: Lease,
  requestId: string,
  payload: string,
  settings: InvocationSettings,
): Promise<InvokeOutcome> => {
  const init = lease.cold ? await coldStart(lease, requestId, settings) : { initDurationMs: undefined };
  if ('outcome' in init) return init.outcome;
  settings.platformLog.start(requestId);
  const run = await lease.environment.run(requestId, payload, settings.timeoutMs);
  const base = {
    requestId,
    coldStart: lease.cold,
    durationMs: run.durationMs,
    ...(init.initDurationMs === undefined ? {} : { initDurationMs: init.initDurationMs }),
  };
  switch (run.kind) {
    case 'response':
      return { ...base, status: 'ok', result: JSON.parse(run.payload) };
    case 'failure':
      return { ...base, status: 'error', ...run.error };
    case 'timeout':
      return {
        ...base,
        status: 'timeout',
        errorMessage: `Task timed out after ${settings.timeoutSeconds.toFixed(2)} seconds`,
      };
  }
};
