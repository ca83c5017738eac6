import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * What the moderation consumer's NodejsFunction needs on top of the shared bundling options (CommonJS,
 * node22, sharp in nodeModules). Paths are absolute on this machine: the project bundles locally with
 * the esbuild devDependency, not in Docker.
 */

/** MODERATION_WASM_PATH in Lambda: the asset root, where afterBundling puts the .wasm files beside index.js. */
export const moderationWasmDirectory = '/var/task/';

/** Node has no wasm threads here, so the backend loads the SIMD binary, or the plain one without SIMD. */
export const wasmFiles = ['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm.wasm'] as const;

export const tfjsShimPath = join(dirname(fileURLToPath(import.meta.url)), 'providers', 'tfjs-shim.ts');

export const wasmSourceDirectory = (): string =>
  dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));

const quote = (path: string) => `'${path.replaceAll("'", `'\\''`)}'`;

export const moderationBundling = (): Pick<
  BundlingOptions,
  'esbuildArgs' | 'mainFields' | 'externalModules' | 'commandHooks'
> => {
  const wasmDirectory = wasmSourceDirectory();
  return {
    // nsfwjs imports the umbrella '@tensorflow/tfjs' (every backend, converter, data); the shim gives it
    // tfjs-core and tfjs-layers only.
    esbuildArgs: { '--alias:@tensorflow/tfjs': tfjsShimPath },
    // The tfjs packages' "main" is a prebuilt CommonJS file that cannot be tree-shaken; their ES
    // modules can (the minified moderation handler: 4.8 MB instead of 5.5 MB).
    mainFields: ['module', 'main'],
    // Required by tfjs-core only where Node has no global fetch (before Node 18); the SDK is still bundled.
    externalModules: ['node-fetch'],
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) =>
        wasmFiles.map((file) => `cp ${quote(join(wasmDirectory, file))} ${quote(`${outputDir}/`)}`),
    },
  };
};
