/**
 * The error lines the Node.js runtime interface client itself writes to the function's log: "Invoke
 * Error" when a handler throws or rejects, "Uncaught Exception" when loading it fails. Shaped as
 * aws-lambda-nodejs-runtime-interface-client (LogPatch.js, Errors.js) writes them: in the text
 * format `<time>\t<requestId>\tERROR\t<label> \t<error as JSON>`, in the JSON format one object with
 * the error under "message". Runs inside the worker, where the thrown value itself is at hand.
 */
import { RuntimeError } from './resolve-handler';

export const runtimeErrorLabels = {
  invoke: 'Invoke Error',
  init: 'Uncaught Exception',
} as const;
export type RuntimeErrorLabel = (typeof runtimeErrorLabels)[keyof typeof runtimeErrorLabels];

/** The runtime logs any thrown value as an Error (a thrown string becomes its message). */
function intoError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}

function enumerableFields(error: Error): Record<string, unknown> {
  return Object.fromEntries(Object.entries(error));
}

function stackLines(error: Error): string[] {
  return typeof error.stack === 'string' ? error.stack.split('\n') : [];
}

/** Text format: name, message, code, the error's own fields, then the stack as a list of lines. */
function textDocument(error: Error): Record<string, unknown> {
  const code: unknown = Reflect.get(error, 'code');
  return {
    errorType: error.name,
    errorMessage: error.message,
    ...(code === undefined ? {} : { code }),
    ...enumerableFields(error),
    stack: stackLines(error),
  };
}

/** JSON format: the class name as errorType (the runtime's own classes drop the "Runtime." prefix). */
function jsonDocument(error: Error): Record<string, unknown> {
  const errorType =
    error instanceof RuntimeError ? error.errorType.replace(/^Runtime\./, '') : error.constructor.name;
  return {
    errorType,
    errorMessage: error.message,
    stackTrace: stackLines(error),
    ...enumerableFields(error),
  };
}

/** Like the runtime, an error whose fields cannot be serialised is logged by name and message. */
function safeJson(document: Record<string, unknown>, error: Error): string {
  try {
    return JSON.stringify(document);
  } catch {
    return JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: stackLines(error) });
  }
}

/** Newlines become carriage returns, so one error stays one log event. */
function oneLine(text: string): string {
  return text.replace(/\n/g, '\r');
}

export function runtimeErrorLine(
  format: string,
  requestId: string | undefined,
  label: RuntimeErrorLabel,
  thrown: unknown,
  now = new Date(),
): string {
  const error = intoError(thrown);
  const time = now.toISOString();
  if (format.toUpperCase() === 'JSON') {
    const line = { timestamp: time, level: 'ERROR', requestId, message: jsonDocument(error) };
    return oneLine(safeJson(line, error));
  }
  return oneLine(`${time}\t${requestId}\tERROR\t${label} \t${safeJson(textDocument(error), error)}`);
}
