import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { LineSplitter } from './log-lines';
import type { ErrorShape, InvokeRequest, WorkerConfig, WorkerMessage } from './protocol';

/** How long to wait for a finished invocation's (or a dead worker's) last log lines. */
const logGraceMs = 1_000;

export type InitResult =
  | { readonly ok: true; readonly initDurationMs: number }
  | {
      readonly ok: false;
      readonly timedOut: boolean;
      readonly error: ErrorShape;
      readonly durationMs: number;
    };

export type RunResult =
  | { readonly kind: 'response'; readonly payload: string; readonly durationMs: number }
  | { readonly kind: 'failure'; readonly error: ErrorShape; readonly durationMs: number }
  | { readonly kind: 'timeout'; readonly durationMs: number };

const measured = (signal: WorkerMessage): number | undefined =>
  signal.type === 'response' || signal.type === 'failure' || signal.type === 'ready'
    ? signal.memoryUsedMb
    : undefined;

export interface EnvironmentOptions {
  readonly source: string;
  readonly config: WorkerConfig;
  readonly env: Readonly<Record<string, string>>;
  readonly heapLimitMb: number;
  readonly initTimeoutMs: number;
  readonly onLine: (line: string) => void;
  /** Called once the worker is gone, whoever ended it; `error` is set when it died on its own. */
  readonly onExit: (environment: ExecutionEnvironment, error: ErrorShape | undefined) => void;
}

type Signal = WorkerMessage | { readonly type: 'exit'; readonly error: ErrorShape };

interface ErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly stack?: unknown;
}

function describeExit(code: number, error: ErrorLike | undefined, heapLimitMb: number): ErrorShape {
  if (error?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return {
      errorType: 'Runtime.OutOfMemory',
      errorMessage: `Runtime exited with error: JavaScript heap out of memory (V8 heap limit ${heapLimitMb} MB)`,
    };
  }
  if (error) {
    // An uncaught exception or unhandled rejection ends the runtime; Lambda reports that error.
    return {
      errorType: typeof error.name === 'string' ? error.name : 'Error',
      errorMessage: typeof error.message === 'string' ? error.message : String(error),
      ...(typeof error.stack === 'string' ? { stackTrace: error.stack.split('\n').slice(1) } : {}),
    };
  }
  return { errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: exit status ${code}` };
}

function ended(stream: Readable): Promise<void> {
  return new Promise((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
  });
}

/** Waits for `promise`, but no longer than `ms`, and leaves no timer behind. */
function atMost(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * One Lambda execution environment: a worker thread that loads the handler once and runs one
 * invocation at a time. It never throws for what the function does; every failure is a result.
 */
export class ExecutionEnvironment {
  readonly initialised: Promise<InitResult>;
  private readonly worker: Worker;
  private readonly streamsEnded: Promise<unknown>;
  private listener: ((signal: Signal) => void) | undefined;
  private exitSignal: Signal | undefined;
  private lastError: ErrorLike | undefined;
  private terminationReason: ErrorShape | undefined;
  private terminated: Promise<void> | undefined;
  /** The init's error lines end with markers too (see worker.ts). */
  private pendingMarkers = 2;
  private maxMemoryMb = 0;
  private markersDone: (() => void) | undefined;
  private reapTimer: NodeJS.Timeout | undefined;
  private alive = true;

  constructor(private readonly options: EnvironmentOptions) {
    const started = performance.now();
    this.worker = new Worker(options.source, {
      eval: true,
      name: options.config.functionName,
      workerData: options.config,
      env: { ...options.env },
      // Not the host's flags: under tsx they would load tsx into every environment.
      execArgv: [],
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: options.heapLimitMb },
    });
    const streams = [this.worker.stdout, this.worker.stderr];
    for (const stream of streams) this.splitLines(stream);
    this.streamsEnded = Promise.all(streams.map(ended));
    this.worker.on('message', (message: WorkerMessage) => this.listener?.(message));
    this.worker.on('error', (error: ErrorLike) => {
      this.lastError = error;
    });
    this.worker.on('exit', (code) => this.handleExit(code));
    this.initialised = this.awaitInit(started);
  }

  get isAlive(): boolean {
    return this.alive && this.terminated === undefined;
  }

  /** The most this environment has used so far (see worker.ts for what a worker can measure). */
  get maxMemoryUsedMb(): number {
    return this.maxMemoryMb;
  }

  /** Runs one invocation; on a timeout the environment is terminated, as Lambda discards it. */
  async run(requestId: string, payload: string, timeoutMs: number): Promise<RunResult> {
    const started = performance.now();
    this.pendingMarkers = 2;
    const next = this.nextSignal(timeoutMs);
    const request: InvokeRequest = { type: 'invoke', requestId, payload, deadlineMs: Date.now() + timeoutMs };
    this.worker.postMessage(request);
    const signal = await next;
    const durationMs = performance.now() - started;
    const memory = signal && signal.type !== 'exit' ? measured(signal) : undefined;
    if (memory !== undefined) this.maxMemoryMb = Math.max(this.maxMemoryMb, memory);
    if (signal === undefined) {
      void this.terminate();
      return { kind: 'timeout', durationMs };
    }
    switch (signal.type) {
      case 'response':
        await this.logsFlushed();
        return { kind: 'response', payload: signal.payload, durationMs: signal.durationMs };
      case 'failure':
        await this.logsFlushed();
        return { kind: 'failure', error: signal.error, durationMs: signal.durationMs };
      case 'exit':
        return { kind: 'failure', error: signal.error, durationMs };
      default:
        void this.terminate();
        return { kind: 'failure', error: unexpected(signal.type), durationMs };
    }
  }

  /** Idle environments do not keep the host process alive, and are reaped after `idleMs`. */
  markIdle(idleMs: number, onReap: () => void): void {
    this.worker.unref();
    this.reapTimer = setTimeout(onReap, idleMs);
    this.reapTimer.unref();
  }

  markBusy(): void {
    clearTimeout(this.reapTimer);
    this.worker.ref();
  }

  terminate(
    reason: ErrorShape = { errorType: 'Runtime.Terminated', errorMessage: 'Environment terminated' },
  ): Promise<void> {
    if (this.alive) this.terminationReason ??= reason;
    this.terminated ??= this.worker.terminate().then(() => undefined);
    return this.terminated;
  }

  private async awaitInit(started: number): Promise<InitResult> {
    const signal = await this.nextSignal(this.options.initTimeoutMs);
    const durationMs = performance.now() - started;
    if (signal?.type === 'ready') {
      this.maxMemoryMb = Math.max(this.maxMemoryMb, signal.memoryUsedMb);
      return { ok: true, initDurationMs: signal.initDurationMs };
    }
    // The runtime's error line comes first, as in Lambda's log.
    if (signal?.type === 'init-error') await this.logsFlushed();
    void this.terminate();
    if (signal === undefined) {
      const seconds = this.options.initTimeoutMs / 1000;
      const error = {
        errorType: 'Runtime.InitTimeout',
        errorMessage: `Init timed out after ${seconds} seconds`,
      };
      return { ok: false, timedOut: true, error, durationMs };
    }
    const error =
      signal.type === 'init-error' || signal.type === 'exit' ? signal.error : unexpected(signal.type);
    return { ok: false, timedOut: false, error, durationMs };
  }

  /** The next message from the worker or its exit; undefined when `timeoutMs` passes first. */
  private nextSignal(timeoutMs: number): Promise<Signal | undefined> {
    if (this.exitSignal) return Promise.resolve(this.exitSignal);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.listener = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.listener = (signal) => {
        clearTimeout(timer);
        this.listener = undefined;
        resolve(signal);
      };
    });
  }

  private splitLines(stream: Readable): void {
    const splitter = new LineSplitter(this.options.config.endMarker, this.options.onLine, () => {
      this.pendingMarkers -= 1;
      if (this.pendingMarkers <= 0) this.markersDone?.();
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => splitter.push(chunk));
    stream.on('end', () => splitter.end());
  }

  /** Resolves once both streams have passed the end marker, so an outcome follows its logs. */
  private logsFlushed(): Promise<void> {
    if (this.pendingMarkers <= 0 || !this.alive) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.markersDone = undefined;
        resolve();
      };
      // A function that closed or replaced its stdout never writes the marker.
      const timer = setTimeout(done, logGraceMs);
      this.markersDone = done;
    });
  }

  private handleExit(code: number): void {
    this.alive = false;
    clearTimeout(this.reapTimer);
    const crash = this.terminationReason
      ? undefined
      : describeExit(code, this.lastError, this.options.heapLimitMb);
    // A dying worker's last lines are still on their way: deliver them before reporting the exit.
    void atMost(this.streamsEnded, logGraceMs).then(() => {
      this.markersDone?.();
      const error =
        crash ?? this.terminationReason ?? describeExit(code, undefined, this.options.heapLimitMb);
      this.exitSignal = { type: 'exit', error };
      this.listener?.(this.exitSignal);
      this.options.onExit(this, crash);
    });
  }
}

function unexpected(type: string): ErrorShape {
  return { errorType: 'Runtime.Unknown', errorMessage: `Unexpected message from the runtime: ${type}` };
}
