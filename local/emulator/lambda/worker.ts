/**
 * The bootstrap of one execution environment (a worker thread): loads the handler once (init), then
 * runs one invocation at a time with a Lambda-like context, as the Node.js runtime does.
 * The host compiles this file to plain CommonJS (see bootstrap.ts): it must not rely on a loader.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ErrorShape, InvokeRequest, WorkerConfig, WorkerMessage } from './protocol';
import { type LambdaCallback, type LambdaHandler, loadHandler, RuntimeError } from './resolve-handler';
import { type RuntimeErrorLabel, runtimeErrorLabels, runtimeErrorLine } from './runtime-log';

/** Lambda's limit on a synchronous invocation's response. */
const maxResponseBytes = 6_291_556;

const config: WorkerConfig = workerData;

function post(message: WorkerMessage): void {
  parentPort?.postMessage(message);
}

function toErrorShape(error: unknown): ErrorShape {
  if (error instanceof RuntimeError) return { errorType: error.errorType, errorMessage: error.message };
  if (error instanceof Error) {
    return {
      errorType: error.name,
      errorMessage: error.message,
      stackTrace: (error.stack ?? '')
        .split('\n')
        .slice(1)
        .map((line) => line.trim()),
    };
  }
  // The runtime reports thrown non-errors (strings, objects) by their typeof.
  return { errorType: typeof error, errorMessage: String(error) };
}

function createContext(request: InvokeRequest) {
  return {
    functionName: config.functionName,
    functionVersion: config.functionVersion,
    invokedFunctionArn: config.invokedFunctionArn,
    memoryLimitInMB: config.memoryLimitInMB,
    awsRequestId: request.requestId,
    logGroupName: config.logGroupName,
    logStreamName: config.logStreamName,
    // Settable as on Lambda; a worker cannot watch its own event loop drain, so it changes nothing here.
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: (): number => Math.max(0, request.deadlineMs - Date.now()),
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof Reflect.get(value, 'then') === 'function'
  );
}

/**
 * The handler's result: a returned promise, or the callback. Like the runtime, a plain (non-promise)
 * return value is ignored; such a handler answers with the callback, or null when it has none.
 */
function callHandler(handler: LambdaHandler, event: unknown, context: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const callback: LambdaCallback = (error, result) => (error == null ? resolve(result) : reject(error));
    const returned = handler(event, context, callback);
    if (isThenable(returned)) returned.then(resolve, reject);
    else if (handler.length < 3) resolve(null);
  });
}

function serialise(result: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(result === undefined ? null : result);
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new RuntimeError('Runtime.MalformedResponse', `Unable to stringify response body: ${cause}`);
  }
  // A function or symbol serialises to nothing; the runtime would send null.
  text ??= 'null';
  if (Buffer.byteLength(text) > maxResponseBytes) {
    throw new RuntimeError(
      'Function.ResponseSizeTooLarge',
      `Response payload size exceeded maximum allowed payload size (${maxResponseBytes} bytes).`,
    );
  }
  return text;
}

/** This environment's V8 heap and off-heap memory: the part of Lambda's "Max Memory Used" a worker can see. */
function memoryUsedMb(): number {
  const { heapTotal, external } = process.memoryUsage();
  return Math.ceil((heapTotal + external) / (1024 * 1024));
}

/** The runtime's own error line, written where the function's output goes, as on Lambda. */
function logError(requestId: string | undefined, label: RuntimeErrorLabel, thrown: unknown): void {
  process.stdout.write(`${runtimeErrorLine(config.logFormat, requestId, label, thrown)}\n`);
}

/** Marks the end of this invocation's output on both streams, then answers. */
function finish(message: WorkerMessage): void {
  process.stdout.write(`${config.endMarker}\n`);
  process.stderr.write(`${config.endMarker}\n`);
  post(message);
}

async function invoke(handler: LambdaHandler, request: InvokeRequest): Promise<void> {
  const started = performance.now();
  const { requestId } = request;
  try {
    const result = await callHandler(handler, JSON.parse(request.payload), createContext(request));
    const payload = serialise(result);
    const durationMs = performance.now() - started;
    finish({ type: 'response', requestId, payload, durationMs, memoryUsedMb: memoryUsedMb() });
  } catch (error) {
    const durationMs = performance.now() - started;
    logError(requestId, runtimeErrorLabels.invoke, error);
    finish({
      type: 'failure',
      requestId,
      error: toErrorShape(error),
      durationMs,
      memoryUsedMb: memoryUsedMb(),
    });
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  let handler: LambdaHandler;
  try {
    handler = await loadHandler(config.taskRoot, config.handler, config.sdkNodeModules);
    if (!config.callbackHandlers && handler.length >= 3) {
      throw new RuntimeError(
        'Runtime.CallbackHandlerDeprecated',
        `${config.handler} takes a callback; Lambda's Node.js 24 and later runtimes only run handlers that return a promise`,
      );
    }
  } catch (error) {
    logError(undefined, runtimeErrorLabels.init, error);
    finish({ type: 'init-error', error: toErrorShape(error) });
    return;
  }
  parentPort?.on('message', (request: InvokeRequest) => void invoke(handler, request));
  post({ type: 'ready', initDurationMs: performance.now() - started, memoryUsedMb: memoryUsedMb() });
}

void main();
