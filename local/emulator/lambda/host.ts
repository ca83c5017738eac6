import { randomUUID } from 'node:crypto';
import type { FunctionSpec } from '../template';
import { providedSdk, runtimeIncludesSdkV3 } from './aws-sdk';
import { workerSource } from './bootstrap';
import {
  heapLimitMb,
  lambdaEnvironment,
  logGroupName,
  newLogStreamName,
  supportsCallbackHandlers,
} from './environment';
import { ExecutionEnvironment } from './execution-environment';
import { parseEmf } from './log-lines';
import { preloadNativeModules } from './native';
import { createPlatformLog, timeoutErrorType } from './platform-log';
import type {
  FunctionError,
  FunctionHost,
  FunctionHostOptions,
  FunctionHostStats,
  InvokeOutcome,
} from './types';

export type {
  EmfDocument,
  FunctionError,
  FunctionHost,
  FunctionHostOptions,
  FunctionHostStats,
  InvokeOutcome,
} from './types';

const defaultIdleTimeoutMs = 60_000;
/** Lambda's init phase limit for on-demand functions. */
export const lambdaInitLimitMs = 10_000;
const hostStopped = { errorType: 'Runtime.HostStopped', errorMessage: 'The function host was stopped' };

interface Lease {
  readonly environment: ExecutionEnvironment;
  readonly cold: boolean;
}

interface Waiter {
  readonly resolve: (lease: Lease) => void;
  readonly reject: (error: Error) => void;
}

function assetDirOf(spec: FunctionSpec): string {
  if (!spec.assetDir) {
    const where = spec.codeElsewhere ?? 'its code is not in the cloud assembly';
    throw new Error(`${spec.name} cannot run locally: ${where}`);
  }
  return spec.assetDir;
}

/** What the status line shows of a failed invocation. */
function functionError(outcome: InvokeOutcome): FunctionError | undefined {
  if (outcome.status === 'ok') return undefined;
  const at = new Date().toISOString();
  if (outcome.status === 'timeout') {
    return { errorType: timeoutErrorType, errorMessage: outcome.errorMessage, at };
  }
  return { errorType: outcome.errorType, errorMessage: outcome.errorMessage, at };
}

/**
 * Runs one function's bundle as Lambda does: up to `maxEnvironments` execution environments (worker
 * threads), each running one invocation at a time, created on demand, reused warm and reaped when
 * idle; invocations beyond that wait in FIFO order.
 */
export function createFunctionHost(spec: FunctionSpec, options: FunctionHostOptions): FunctionHost {
  const assetDir = assetDirOf(spec);
  if (!(options.maxEnvironments >= 1)) throw new Error('maxEnvironments must be at least 1');
  const source = workerSource();
  preloadNativeModules(assetDir);
  const sdkNodeModules = runtimeIncludesSdkV3(spec.runtime) ? providedSdk().nodeModules : undefined;

  const timeoutMs = spec.timeoutSeconds * 1000;
  const idleTimeoutMs = options.idleTimeoutMs ?? defaultIdleTimeoutMs;
  const all = new Set<ExecutionEnvironment>();
  const idle: ExecutionEnvironment[] = [];
  const waiting: Waiter[] = [];
  const closing = new Set<Promise<void>>();
  const counters = { busy: 0, coldStarts: 0, invocations: 0, timeouts: 0, errors: 0 };
  let lastError: FunctionError | undefined;
  let stopped = false;

  function onLine(line: string): void {
    const emf = parseEmf(line);
    if (emf) options.onMetrics?.(emf, spec.name);
    else options.onLog?.(line, spec.name);
  }

  const platformLog = createPlatformLog({
    format: spec.logFormat,
    memorySizeMb: spec.memorySize,
    timeoutSeconds: spec.timeoutSeconds,
    write: (line) => options.onLog?.(line, spec.name),
  });

  function spawn(): Lease {
    const logStreamName = newLogStreamName();
    const environment = new ExecutionEnvironment({
      source,
      config: {
        taskRoot: assetDir,
        handler: spec.handler,
        functionName: spec.name,
        functionVersion: '$LATEST',
        invokedFunctionArn: spec.arn,
        memoryLimitInMB: String(spec.memorySize),
        logGroupName: logGroupName(spec.name),
        logStreamName,
        logFormat: spec.logFormat,
        ...(sdkNodeModules === undefined ? {} : { sdkNodeModules }),
        callbackHandlers: supportsCallbackHandlers(spec.runtime),
        endMarker: `\u0000lambda-host:${randomUUID()}`,
      },
      env: lambdaEnvironment(spec, assetDir, logStreamName, options.environment, sdkNodeModules),
      heapLimitMb: heapLimitMb(spec.memorySize),
      // An init past Lambda's limit is retried there inside the invocation, under its timeout.
      initTimeoutMs: lambdaInitLimitMs + timeoutMs,
      onLine,
      onExit: (gone, crash) => {
        if (crash) onLine(`${crash.errorType}: ${crash.errorMessage} (environment ${logStreamName} ended)`);
        discard(gone);
      },
    });
    all.add(environment);
    return { environment, cold: true };
  }

  function discard(environment: ExecutionEnvironment): void {
    if (!all.delete(environment)) return;
    const index = idle.indexOf(environment);
    if (index >= 0) idle.splice(index, 1);
    const closed = environment.terminate();
    closing.add(closed);
    void closed.finally(() => closing.delete(closed));
    // A slot opened: the first waiter gets a fresh environment.
    const next = waiting.shift();
    if (next) next.resolve(spawn());
  }

  function acquire(): Promise<Lease> {
    // Most recently used first, so that environments beyond the current load idle out.
    const warm = idle.pop();
    if (warm) return Promise.resolve({ environment: warm, cold: false });
    if (all.size < options.maxEnvironments) return Promise.resolve(spawn());
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  }

  function release(environment: ExecutionEnvironment): void {
    if (!environment.isAlive) {
      discard(environment);
      return;
    }
    const next = waiting.shift();
    if (next) {
      next.resolve({ environment, cold: false });
      return;
    }
    idle.push(environment);
    environment.markIdle(idleTimeoutMs, () => discard(environment));
  }

  async function runOn(lease: Lease, requestId: string, payload: string): Promise<InvokeOutcome> {
    const { environment, cold: coldStart } = lease;
    let initDurationMs: number | undefined;
    if (coldStart) {
      const init = await environment.initialised;
      if (!init.ok) {
        platformLog.initFailed(init.durationMs, init.timedOut ? 'timeout' : 'error', init.error.errorType);
        platformLog.start(requestId);
        const base = { requestId, coldStart, durationMs: init.durationMs };
        return init.timedOut
          ? { ...base, status: 'timeout', errorMessage: init.error.errorMessage }
          : { ...base, status: 'error', ...init.error };
      }
      initDurationMs = init.initDurationMs;
    }
    platformLog.start(requestId);
    const run = await environment.run(requestId, payload, timeoutMs);
    const base = {
      requestId,
      coldStart,
      durationMs: run.durationMs,
      ...(initDurationMs === undefined ? {} : { initDurationMs }),
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
          errorMessage: `Task timed out after ${spec.timeoutSeconds.toFixed(2)} seconds`,
        };
    }
  }

  return {
    functionName: spec.name,

    async invoke(event: unknown): Promise<InvokeOutcome> {
      if (stopped) throw new Error(`The host of ${spec.name} is stopped`);
      const payload = JSON.stringify(event === undefined ? null : event);
      const lease = await acquire();
      lease.environment.markBusy();
      counters.busy += 1;
      counters.invocations += 1;
      if (lease.cold) counters.coldStarts += 1;
      try {
        const outcome = await runOn(lease, randomUUID(), payload);
        platformLog.finish(outcome, lease.environment.maxMemoryUsedMb);
        if (outcome.status === 'error') counters.errors += 1;
        if (outcome.status === 'timeout') counters.timeouts += 1;
        lastError = functionError(outcome) ?? lastError;
        return outcome;
      } finally {
        counters.busy -= 1;
        release(lease.environment);
      }
    },

    stats(): FunctionHostStats {
      return {
        ...counters,
        environments: all.size,
        queued: waiting.length,
        ...(lastError === undefined ? {} : { lastError }),
      };
    },

    async stop(): Promise<void> {
      stopped = true;
      for (const waiter of waiting.splice(0))
        waiter.reject(new Error(`The host of ${spec.name} was stopped`));
      for (const environment of [...all]) {
        void environment.terminate(hostStopped);
        discard(environment);
      }
      await Promise.all(closing);
    },
  };
}
