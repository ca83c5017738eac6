/**
 * NODE_PATH only serves `require`: an ES module handler's `import '@aws-sdk/...'` needs a resolve
 * hook to reach the runtime-provided SDK, as it does on Lambda's Node.js 18 and later runtimes.
 * Runs inside the worker, and only for ES module handlers (a hook costs a loader thread).
 */
import { register } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

let registered = false;

/** Resolves `@aws-sdk/*` and `@smithy/*` the code itself cannot find from `sdkNodeModules` instead. */
export function registerSdkFallback(sdkNodeModules: string): void {
  if (registered || typeof register !== 'function') return;
  registered = true;
  const parentURL = pathToFileURL(join(sdkNodeModules, '..', 'resolve-from-here.js')).href;
  const hook = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const sdk = specifier.startsWith('@aws-sdk/') || specifier.startsWith('@smithy/');
    if (!sdk || error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    return next(specifier, { ...context, parentURL: ${JSON.stringify(parentURL)} });
  }
}`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}
