import { randomUUID } from 'node:crypto';
import { delimiter } from 'node:path';
import type { FunctionSpec } from '../template';

const taskRootInLambda = '/var/task';

export function logGroupName(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/** A fresh stream name per environment, shaped like Lambda's: 2026/01/31/[$LATEST]<32 hex>. */
export function newLogStreamName(now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/[$LATEST]${randomUUID().replaceAll('-', '')}`;
}

/**
 * V8 old-space limit for an environment. Lambda caps the whole process at memorySize; a worker can
 * only cap its own V8 heap, so native memory (sharp/libvips buffers, Buffers, wasm memory) is not
 * counted here and a function that is over budget natively will still run locally. The 10% kept
 * back stands for the code, young generation and runtime that share Lambda's budget.
 */
export function heapLimitMb(memorySize: number): number {
  return Math.max(32, Math.floor(memorySize * 0.9));
}

/** Lambda's Node.js runtimes before nodejs24.x accept `(event, context, callback)` handlers. */
export function supportsCallbackHandlers(runtime: string): boolean {
  const major = /^nodejs(\d+)/.exec(runtime)?.[1];
  return major === undefined || Number(major) < 24;
}

/** Lambda code sees its files under /var/task; locally they are in the asset directory. */
export function rewriteTaskRoot(value: string, assetDir: string): string {
  if (value === taskRootInLambda || value.startsWith(`${taskRootInLambda}/`)) {
    return assetDir + value.slice(taskRootInLambda.length);
  }
  return value;
}

function regionOf(arn: string): string | undefined {
  const region = arn.split(':')[3];
  return region ? region : undefined;
}

/**
 * The variables one environment starts with: the function's own, then Lambda's reserved ones (which
 * a template cannot set), then the host's extras (endpoint, credentials), which win over both.
 * Nothing is inherited from the host process apart from PATH, which child processes need.
 * `sdkNodeModules` stands for Lambda's /var/runtime/node_modules on NODE_PATH (see aws-sdk.ts).
 */
export function lambdaEnvironment(
  spec: FunctionSpec,
  assetDir: string,
  logStreamName: string,
  extra: Readonly<Record<string, string>> = {},
  sdkNodeModules?: string,
): Record<string, string> {
  const region = regionOf(spec.arn);
  const reserved: Record<string, string> = {
    AWS_LAMBDA_FUNCTION_NAME: spec.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: logGroupName(spec.name),
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
    LAMBDA_TASK_ROOT: assetDir,
    _HANDLER: spec.handler,
    // Only the variable: V8's time zone is process-wide, so a worker's Date still follows the host.
    TZ: 'UTC',
    LANG: 'en_US.UTF-8',
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    ...(region ? { AWS_REGION: region, AWS_DEFAULT_REGION: region } : {}),
    ...(spec.logFormat === 'JSON' ? { AWS_LAMBDA_LOG_FORMAT: 'JSON' } : {}),
    ...(sdkNodeModules ? { NODE_PATH: [sdkNodeModules, assetDir].join(delimiter) } : {}),
  };
  const merged = { ...spec.environment, ...reserved, ...extra };
  return Object.fromEntries(
    Object.entries(merged).map(([key, value]) => [key, rewriteTaskRoot(value, assetDir)]),
  );
}
