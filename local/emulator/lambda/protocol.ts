/**
 * What the host (main thread) and one execution environment (a worker thread) say to each other.
 * Payloads travel as JSON text, as they do between Lambda and a runtime, so the handler never sees
 * host objects (Dates, Maps, prototypes) that the real service would have flattened.
 */

/** Given to the worker at start (workerData). */
export interface WorkerConfig {
  readonly taskRoot: string;
  readonly handler: string;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  /** The runtime-provided AWS SDK (see aws-sdk.ts); unset for runtimes without SDK v3. */
  readonly sdkNodeModules?: string;
  /** "JSON" or "Text": how the runtime writes its own error lines (LoggingConfig.LogFormat). */
  readonly logFormat: string;
  /** False from nodejs24.x on, whose runtime refuses handlers that take a callback. */
  readonly callbackHandlers: boolean;
  /**
   * Written to stdout and stderr at the end of each invocation. Worker stdio and postMessage travel
   * on different ports, so without it the result can overtake the invocation's last log lines.
   */
  readonly endMarker: string;
}

export interface ErrorShape {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stackTrace?: readonly string[];
}

export interface InvokeRequest {
  readonly type: 'invoke';
  readonly requestId: string;
  readonly payload: string;
  /** Epoch milliseconds, like Lambda's Lambda-Runtime-Deadline-Ms header. */
  readonly deadlineMs: number;
}

export type WorkerMessage =
  | { readonly type: 'ready'; readonly initDurationMs: number; readonly memoryUsedMb: number }
  | { readonly type: 'init-error'; readonly error: ErrorShape }
  | {
      readonly type: 'response';
      readonly requestId: string;
      readonly payload: string;
      readonly durationMs: number;
      readonly memoryUsedMb: number;
    }
  | {
      readonly type: 'failure';
      readonly requestId: string;
      readonly error: ErrorShape;
      readonly durationMs: number;
      readonly memoryUsedMb: number;
    };
