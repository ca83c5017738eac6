/**
 * Finds and loads a handler the way the Node.js Lambda runtime does: "<path>.<export>" relative to
 * the task root, where the module is <path>.js, .mjs or .cjs (in that order) and the export may be
 * a dotted property path. Runs inside the worker.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileFunction } from 'node:vm';
import { registerSdkFallback } from './esm-sdk-fallback';

export type LambdaCallback = (error?: unknown, result?: unknown) => void;
export type LambdaHandler = (event: unknown, context: object, callback: LambdaCallback) => unknown;

/** A failure the runtime itself reports, with Lambda's errorType. */
export class RuntimeError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    // Not an own enumerable field: the runtime's error classes carry their name on the prototype.
    Object.defineProperty(this, 'name', { value: errorType, enumerable: false, configurable: true });
  }
}

export function splitHandler(handler: string): { modulePath: string; exportPath: string[] } {
  const dot = handler.indexOf('.', handler.lastIndexOf('/') + 1);
  if (dot <= 0 || dot === handler.length - 1) {
    throw new RuntimeError('Runtime.MalformedHandlerName', `Bad handler ${handler}`);
  }
  return { modulePath: handler.slice(0, dot), exportPath: handler.slice(dot + 1).split('.') };
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

/**
 * Lambda's /var/task has nothing above it: without a package.json of its own, a .js handler there is
 * CommonJS. Locally the asset sits inside the project, whose package.json may say "type": "module",
 * so the file is compiled as CommonJS here rather than left to Node's lookup.
 */
function loadCommonJs(file: string): unknown {
  const module = { exports: {} as unknown };
  const run = compileFunction(
    readFileSync(file, 'utf8'),
    ['exports', 'require', 'module', '__filename', '__dirname'],
    {
      filename: file,
    },
  );
  run(module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

async function loadModule(
  taskRoot: string,
  modulePath: string,
  sdkNodeModules: string | undefined,
): Promise<unknown> {
  const importFile = (file: string): Promise<unknown> => {
    if (sdkNodeModules !== undefined) registerSdkFallback(sdkNodeModules);
    return import(pathToFileURL(file).href);
  };
  const base = join(taskRoot, modulePath);
  const require = createRequire(join(taskRoot, 'index.js'));
  if (existsSync(`${base}.js`) && !existsSync(join(taskRoot, 'package.json'))) {
    try {
      return loadCommonJs(`${base}.js`);
    } catch (error) {
      // Import statements: Node's own detection would load it as ESM.
      if (error instanceof SyntaxError && /\bimport\b|\bexport\b/.test(error.message))
        return importFile(`${base}.js`);
      throw error;
    }
  }
  if (existsSync(`${base}.js`)) {
    try {
      return require(`${base}.js`);
    } catch (error) {
      // A .js file under "type": "module" is ESM; Node 20's require refuses it.
      if (errorCode(error) === 'ERR_REQUIRE_ESM') return importFile(`${base}.js`);
      throw error;
    }
  }
  if (existsSync(`${base}.mjs`)) return importFile(`${base}.mjs`);
  if (existsSync(`${base}.cjs`)) return require(`${base}.cjs`);
  // Like the runtime, fall back to Node resolution (a package in node_modules, a directory).
  return require(modulePath);
}

function classifyLoadError(error: unknown): unknown {
  if (error instanceof SyntaxError) {
    return new RuntimeError('Runtime.UserCodeSyntaxError', `${error.name}: ${error.message}`);
  }
  const code = errorCode(error);
  if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return new RuntimeError('Runtime.ImportModuleError', `Error: ${message}`);
  }
  return error;
}

function isLambdaHandler(value: unknown): value is LambdaHandler {
  return typeof value === 'function';
}

export async function loadHandler(
  taskRoot: string,
  handler: string,
  sdkNodeModules?: string,
): Promise<LambdaHandler> {
  const { modulePath, exportPath } = splitHandler(handler);
  let found: unknown;
  try {
    found = await loadModule(taskRoot, modulePath, sdkNodeModules);
  } catch (error) {
    throw classifyLoadError(error);
  }
  for (const key of exportPath) {
    const holder = found;
    found =
      holder !== null && (typeof holder === 'object' || typeof holder === 'function')
        ? Reflect.get(holder, key)
        : undefined;
  }
  if (found === undefined) {
    throw new RuntimeError('Runtime.HandlerNotFound', `${handler} is undefined or not exported`);
  }
  if (!isLambdaHandler(found)) {
    throw new RuntimeError('Runtime.HandlerNotFound', `${handler} is not a function`);
  }
  return found;
}
