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
import { runInvocation } from './invocation';
import { parseEmf } from './log-lines';
import { preloadNativeModules } from './native';
import { createPlatformLog, timeoutErrorType } from './platform-log';
import { EnvironmentPool } from './pool';
import type {
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

/** One execution environment of the function: its worker, config and environment variables. */
const environmentSpawner = (spec: FunctionSpec, assetDir: string, options: FunctionHostOptions) => {
  const source = workerSource();
  const sdkNodeModules = runtimeIncludesSdkV3(spec.runtime) ? providedSdk().nodeModules : undefined;
  const onLine = (line: string) => {
    const emf = parseEmf(line);
    if (emf) options.onMetrics?.(emf, spec.name);
    else options.onLog?.(line, spec.name);
  };
  return (gone: (environment: ExecutionEnvironment) => void) => {
    const logStreamName = newLogStreamName();
    return new ExecutionEnvironment({
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
      initTimeoutMs: lambdaInitLimitMs + spec.timeoutSeconds * 1000,
      onLine,
      onExit: (environment, crash) => {
        if (crash) onLine(`${crash.errorType}: ${crash.errorMessage} (environment ${logStreamName} ended)`);
        gone(environment);
      },
    });
  };
};

/**
 * Runs one function's bundle as Lambda does: up to `maxEnvironments` execution environments (worker
 * threads), each running one invocation at a time, created on demand, reused warm and reaped when
 * idle; invocations beyond that wait in FIFO order.
 */
export function createFunctionHost(spec: FunctionSpec, options: FunctionHostOptions): FunctionHost {
  const assetDir = assetDirOf(spec);
  const pool = new EnvironmentPool({
    maxEnvironments: options.maxEnvironments,
    idleTimeoutMs: options.idleTimeoutMs ?? defaultIdleTimeoutMs,
    spawn: environmentSpawner(spec, assetDir, options),
  });
  preloadNativeModules(assetDir);
  const platformLog = createPlatformLog({
    format: spec.logFormat,
    memorySizeMb: spec.memorySize,
    timeoutSeconds: spec.timeoutSeconds,
    write: (line) => options.onLog?.(line, spec.name),
  });
  const settings = {
    timeoutMs: spec.timeoutSeconds * 1000,
    timeoutSeconds: spec.timeoutSeconds,
    platformLog,
  };
  const counters = { busy: 0, coldStarts: 0, invocations: 0, timeouts: 0, errors: 0 };
  let lastError: FunctionError | undefined;
  let stopped = false;

  return {
    functionName: spec.name,

    async invoke(event: unknown): Promise<InvokeOutcome> {
      if (stopped) throw new Error(`The host of ${spec.name} is stopped`);
      const payload = JSON.stringify(event === undefined ? null : event);
      const lease = await pool.acquire();
      lease.environment.markBusy();
      counters.busy += 1;
      counters.invocations += 1;
      if (lease.cold) counters.coldStarts += 1;
      try {
        const outcome = await runInvocation(lease, randomUUID(), payload, settings);
        platformLog.finish(outcome, lease.environment.maxMemoryUsedMb);
        if (outcome.status === 'error') counters.errors += 1;
        if (outcome.status === 'timeout') counters.timeouts += 1;
        lastError = functionError(outcome) ?? lastError;
        return outcome;
      } finally {
        counters.busy -= 1;
        pool.release(lease.environment);
      }
    },

    stats(): FunctionHostStats {
      return {
        ...counters,
        environments: pool.size,
        queued: pool.queued,
        ...(lastError === undefined ? {} : { lastError }),
      };
    },

    async stop(): Promise<void> {
      stopped = true;
      await pool.stop(hostStopped, new Error(`The host of ${spec.name} was stopped`));
    },
  };
}
