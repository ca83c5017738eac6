import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

let source: string | undefined;

/**
 * The worker bootstrap (worker.ts and what it imports) as one plain CommonJS script, run with
 * `new Worker(source, { eval: true })`. Workers do not get the loader hooks that let the host run
 * TypeScript (tsx's, vitest's), and the function's own code must load with plain Node as on Lambda,
 * so the bootstrap is compiled once per process instead of being loaded through a TypeScript loader.
 */
export function workerSource(): string {
  if (source === undefined) {
    const result = buildSync({
      entryPoints: [fileURLToPath(new URL('./worker.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      write: false,
      logLevel: 'silent',
    });
    source = result.outputFiles[0]?.text;
    if (source === undefined) throw new Error('esbuild produced no worker bootstrap');
  }
  return source;
}
