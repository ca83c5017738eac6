/**
 * The lines Lambda itself (the platform, not the runtime) adds to a function's log around each
 * invocation: START, END and REPORT, "Task timed out", INIT_REPORT after a failed init; in the text
 * format, or as platform.* events in the JSON format. Following "Using Amazon CloudWatch Logs with
 * AWS Lambda" and "Configuring JSON and plain text log formats" (Lambda Developer Guide), and the
 * Telemetry API's event schema for the JSON records.
 */
import type { InvokeOutcome } from './types';

const version = '$LATEST';

/** What Lambda calls a timeout in JSON reports. */
export const timeoutErrorType = 'Sandbox.Timedout';

export interface PlatformLogSettings {
  /** "JSON" or "Text" (LoggingConfig.LogFormat). */
  readonly format: string;
  readonly memorySizeMb: number;
  readonly timeoutSeconds: number;
  readonly write: (line: string) => void;
  readonly now?: () => Date;
}

type Status = 'success' | 'error' | 'timeout';

const millis = (ms: number) => ms.toFixed(2);

function statusOf(outcome: InvokeOutcome): Status {
  return outcome.status === 'ok' ? 'success' : outcome.status;
}

function errorTypeOf(outcome: InvokeOutcome): string | undefined {
  if (outcome.status === 'timeout') return timeoutErrorType;
  return outcome.status === 'error' ? outcome.errorType : undefined;
}

/** Failures of the runtime or sandbox (not a handler's own error) carry a status in the text REPORT. */
function platformFailure(outcome: InvokeOutcome): boolean {
  if (outcome.status === 'timeout') return true;
  return outcome.status === 'error' && /^(Runtime|Sandbox)\./.test(outcome.errorType);
}

export interface PlatformLog {
  /** INIT_REPORT for an init that failed or timed out. */
  initFailed(durationMs: number, status: 'error' | 'timeout', errorType: string): void;
  start(requestId: string): void;
  /** "Task timed out" for a timeout, then END and REPORT. */
  finish(outcome: InvokeOutcome, maxMemoryUsedMb: number): void;
}

export function createPlatformLog(settings: PlatformLogSettings): PlatformLog {
  const json = settings.format.toUpperCase() === 'JSON';
  const now = settings.now ?? (() => new Date());
  const event = (type: string, record: Record<string, unknown>) =>
    settings.write(JSON.stringify({ time: now().toISOString(), type, record }));

  function report(outcome: InvokeOutcome, maxMemoryUsedMb: number): void {
    const init = outcome.initDurationMs;
    // Lambda bills the init of on-demand functions on managed runtimes with the first invocation.
    const billedMs = Math.ceil(outcome.durationMs + (init ?? 0));
    const status = statusOf(outcome);
    const errorType = errorTypeOf(outcome);
    if (json) {
      const metrics = {
        durationMs: Number(millis(outcome.durationMs)),
        billedDurationMs: billedMs,
        memorySizeMB: settings.memorySizeMb,
        maxMemoryUsedMB: maxMemoryUsedMb,
        ...(init === undefined ? {} : { initDurationMs: Number(millis(init)) }),
      };
      event('platform.runtimeDone', {
        requestId: outcome.requestId,
        status,
        ...(errorType ? { errorType } : {}),
      });
      event('platform.report', {
        requestId: outcome.requestId,
        metrics,
        status,
        ...(errorType ? { errorType } : {}),
      });
      return;
    }
    const fields = [
      `REPORT RequestId: ${outcome.requestId}`,
      `Duration: ${millis(outcome.durationMs)} ms`,
      `Billed Duration: ${billedMs} ms`,
      `Memory Size: ${settings.memorySizeMb} MB`,
      `Max Memory Used: ${maxMemoryUsedMb} MB`,
      ...(init === undefined ? [] : [`Init Duration: ${millis(init)} ms`]),
      ...(platformFailure(outcome) ? [`Status: ${status}`] : []),
      ...(platformFailure(outcome) && outcome.status === 'error' ? [`Error Type: ${errorType}`] : []),
    ];
    settings.write(`END RequestId: ${outcome.requestId}`);
    settings.write(`${fields.join('\t')}\t`);
  }

  return {
    initFailed(durationMs, status, errorType) {
      if (json) {
        const record = { initializationType: 'on-demand', phase: 'init', status, errorType };
        event('platform.initReport', { ...record, metrics: { durationMs: Number(millis(durationMs)) } });
        return;
      }
      settings.write(
        `INIT_REPORT Init Duration: ${millis(durationMs)} ms\tPhase: init\tStatus: ${status}\tError Type: ${errorType}`,
      );
    },
    start(requestId) {
      if (json) event('platform.start', { requestId, version });
      else settings.write(`START RequestId: ${requestId} Version: ${version}`);
    },
    finish(outcome, maxMemoryUsedMb) {
      if (outcome.status === 'timeout' && !json) {
        const seconds = settings.timeoutSeconds.toFixed(2);
        settings.write(`${now().toISOString()} ${outcome.requestId} Task timed out after ${seconds} seconds`);
      }
      report(outcome, maxMemoryUsedMb);
    },
  };
}
