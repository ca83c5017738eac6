import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Job, type ResultOf, resultMarker } from './jobs';

const workerSource = fileURLToPath(new URL('./worker.ts', import.meta.url));
// Under the repository, so that the bundle's bare imports resolve to its node_modules.
const workerBundle = fileURLToPath(new URL('../../.cache/bench-compare/worker.mjs', import.meta.url));

export interface Worker {
  /** Arguments to process.execPath before the job. */
  readonly args: readonly string[];
  readonly runner: 'bundle' | 'tsx';
}

/**
 * Jobs run from an esbuild bundle (dependencies left in node_modules), as Lambda runs a bundle:
 * under tsx, its loader thread added about 30 MB of RSS and 0.6 s to each start, measured here.
 * Should esbuild fail, tsx it is.
 */
export const prepareWorker = async (): Promise<Worker> => {
  try {
    const { build } = await import('esbuild');
    await build({
      entryPoints: [workerSource],
      outfile: workerBundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
    });
    return { args: [workerBundle], runner: 'bundle' };
  } catch {
    return { args: ['--import', 'tsx', workerSource], runner: 'tsx' };
  }
};

const tailLength = 30;

/** Runs one job in a fresh process and returns its result; the process's other output is its logs. */
export const runJob = <J extends Job>(
  worker: Worker,
  job: J,
  environment: Readonly<Record<string, string>>,
): Promise<ResultOf<J>> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...worker.args, JSON.stringify(job)], {
      env: environment,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let result: ResultOf<J> | undefined;
    const tail: string[] = [];
    const keep = (line: string) => {
      if (line.startsWith(resultMarker)) {
        result = JSON.parse(line.slice(resultMarker.length)) as ResultOf<J>;
        return;
      }
      if (line.trim() === '') return;
      tail.push(line.length > 400 ? `${line.slice(0, 400)}...` : line);
      if (tail.length > tailLength) tail.shift();
    };
    const reader = () => {
      let partial = '';
      return {
        data(chunk: string) {
          const lines = (partial + chunk).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) keep(line);
        },
        end: () => keep(partial),
      };
    };
    const out = reader();
    const err = reader();
    child.stdout.setEncoding('utf8').on('data', out.data);
    child.stderr.setEncoding('utf8').on('data', err.data);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      out.end();
      err.end();
      if (code === 0 && result !== undefined) resolve(result);
      else {
        reject(new Error(`Job ${job.kind} ended with ${signal ?? `exit code ${code}`}:\n${tail.join('\n')}`));
      }
    });
  });
