/** The public face of the function host: what the event source mapping and `npm start` use. */

interface OutcomeBase {
  readonly requestId: string;
  /** Handler time (for a timeout: until the host gave up), without the cold start's init. */
  readonly durationMs: number;
  readonly coldStart: boolean;
  /** Set on cold starts whose init finished: the time spent loading the handler module. */
  readonly initDurationMs?: number;
}

export type InvokeOutcome =
  | (OutcomeBase & {
      readonly status: 'ok';
      /** The JSON round-trip of what the handler returned; null for undefined. */
      readonly result: unknown;
    })
  | (OutcomeBase & {
      /** The handler threw or rejected, its response could not be serialised, init failed, or the runtime died. */
      readonly status: 'error';
      readonly errorType: string;
      readonly errorMessage: string;
      readonly stackTrace?: readonly string[];
    })
  | (OutcomeBase & {
      readonly status: 'timeout';
      /** "Task timed out after N.NN seconds", as Lambda reports it. */
      readonly errorMessage: string;
    });

/** A CloudWatch Embedded Metric Format document, as Powertools Metrics prints it. */
export interface EmfDocument {
  readonly _aws: { readonly CloudWatchMetrics: readonly unknown[]; readonly Timestamp?: number };
  readonly [key: string]: unknown;
}

export interface FunctionHostOptions {
  /** Extra variables (endpoint, credentials, region); they override the function's own. */
  readonly environment?: Readonly<Record<string, string>>;
  /** How many invocations may run at once; each runs in its own environment. */
  readonly maxEnvironments: number;
  /** An environment idle this long is discarded. Default 60 s. */
  readonly idleTimeoutMs?: number;
  /**
   * Every line the function prints (stdout and stderr) that is not an EMF document, the runtime's
   * error lines, and Lambda's own START/END/REPORT lines (see platform-log.ts).
   */
  readonly onLog?: (line: string, functionName: string) => void;
  readonly onMetrics?: (emf: EmfDocument, functionName: string) => void;
}

/** The last invocation that failed as a whole: thrown, timed out, crashed or failed to initialise. */
export interface FunctionError {
  readonly errorType: string;
  readonly errorMessage: string;
  /** ISO time it was reported. */
  readonly at: string;
}

export interface FunctionHostStats {
  /** Environments alive (busy, idle or starting). */
  readonly environments: number;
  readonly busy: number;
  /** Invocations waiting for an environment. */
  readonly queued: number;
  readonly coldStarts: number;
  readonly invocations: number;
  readonly timeouts: number;
  readonly errors: number;
  readonly lastError?: FunctionError;
}

export interface FunctionHost {
  readonly functionName: string;
  /** Runs one invocation; never rejects for anything the function does. Rejects once the host is stopped. */
  invoke(event: unknown): Promise<InvokeOutcome>;
  stats(): FunctionHostStats;
  /** Ends every environment; in-flight invocations end as errors, queued ones are rejected. */
  stop(): Promise<void>;
}
