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

interface Report {
  readonly outcome: InvokeOutcome;
  readonly memorySizeMb: number;
  readonly maxMemoryUsedMb: number;
}

function reportMetrics({ outcome, memorySizeMb, maxMemoryUsedMb }: Report) {
  const init = outcome.initDurationMs;
  return {
    durationMs: Number(millis(outcome.durationMs)),
    // Lambda bills the init of on-demand functions on managed runtimes with the first invocation.
    billedDurationMs: Math.ceil(outcome.durationMs + (init ?? 0)),
    memorySizeMB: memorySizeMb,
    maxMemoryUsedMB: maxMemoryUsedMb,
    ...(init === undefined ? {} : { initDurationMs: Number(millis(init)) }),
  };
}

/** platform.runtimeDone and platform.report, the JSON format's END and REPORT. */
function jsonReport(report: Report): { type: string; record: Record<string, unknown> }[] {
  const { requestId } = report.outcome;
  const status = statusOf(report.outcome);
  const errorType = errorTypeOf(report.outcome);
  const outcome = { status, ...(errorType ? { errorType } : {}) };
  return [
    { type: 'platform.runtimeDone', record: { requestId, ...outcome } },
    { type: 'platform.report', record: { requestId, metrics: reportMetrics(report), ...outcome } },
  ];
}

/** END and REPORT; the REPORT line ends with a tab, as Lambda's does. */
function textReport(report: Report): string[] {
  const { outcome } = report;
  const metrics = reportMetrics(report);
  const failure = platformFailure(outcome);
  const fields = [
    `REPORT RequestId: ${outcome.requestId}`,
    `Duration: ${millis(outcome.durationMs)} ms`,
    `Billed Duration: ${metrics.billedDurationMs} ms`,
    `Memory Size: ${metrics.memorySizeMB} MB`,
    `Max Memory Used: ${metrics.maxMemoryUsedMB} MB`,
    ...(outcome.initDurationMs === undefined ? [] : [`Init Duration: ${millis(outcome.initDurationMs)} ms`]),
    ...(failure ? [`Status: ${statusOf(outcome)}`] : []),
    ...(failure && outcome.status === 'error' ? [`Error Type: ${outcome.errorType}`] : []),
  ];
  return [`END RequestId: ${outcome.requestId}`, `${fields.join('\t')}\t`];
}

export function createPlatformLog(settings: PlatformLogSettings): PlatformLog {
  const json = settings.format.toUpperCase() === 'JSON';
  const now = settings.now ?? (() => new Date());
  const event = (type: string, record: Record<string, unknown>) =>
    settings.write(JSON.stringify({ time: now().toISOString(), type, record }));

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
      const report = { outcome, memorySizeMb: settings.memorySizeMb, maxMemoryUsedMb };
      if (json) {
        for (const { type, record } of jsonReport(report)) event(type, record);
        return;
      }
      if (outcome.status === 'timeout') {
        const seconds = settings.timeoutSeconds.toFixed(2);
        settings.write(`${now().toISOString()} ${outcome.requestId} Task timed out after ${seconds} seconds`);
      }
      for (const line of textReport(report)) settings.write(line);
    },
  };
}
