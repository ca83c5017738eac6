/**
 * Each micro job runs in a fresh process of its own: its peak RSS is the job's alone, and its CPU is
 * apart from the parent's, which hosts the embedded backend. The answer is one marked JSON line on
 * stdout; the rest of the output is the consumer's logs, of which the tail is kept for errors.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { JobInput, JobName, JobOutput } from './jobs';

export const resultMarker = '@@bench-job-result@@ ';

const workerSource = fileURLToPath(new URL('./worker.ts', import.meta.url));
// Under the repository, so that the bundle's bare imports resolve to its node_modules.
const workerBundle = fileURLToPath(new URL('../../.cache/bench-micro/worker.mjs', import.meta.url));

/**
 * Jobs run from an esbuild bundle (dependencies left in node_modules), as Lambda runs a bundle:
 * under tsx, its loader thread added about 30 MB of RSS and 0.6 s to each start, measured here.
 * Should esbuild fail, tsx it is. Returns the arguments to node before the job's own.
 */
export const prepareWorker = async (): Promise<readonly string[]> => {
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
    return [workerBundle];
  } catch {
    return ['--import', 'tsx', workerSource];
  }
};

/** Lines of output kept, to say why a job failed. */
const tailLength = 30;

const lineReader = (keep: (line: string) => void) => {
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

export const runJob = <N extends JobName>(
  worker: readonly string[],
  name: N,
  input: JobInput<N>,
  environment: Readonly<Record<string, string>>,
): Promise<JobOutput<N>> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...worker, name, JSON.stringify(input)], {
      env: environment,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let result: JobOutput<N> | undefined;
    const tail: string[] = [];
    const keep = (line: string) => {
      if (line.startsWith(resultMarker)) result = JSON.parse(line.slice(resultMarker.length)) as JobOutput<N>;
      else if (line.trim() !== '') tail.push(line.length > 400 ? `${line.slice(0, 400)}...` : line);
      if (tail.length > tailLength) tail.shift();
    };
    const out = lineReader(keep);
    const err = lineReader(keep);
    child.stdout.setEncoding('utf8').on('data', out.data);
    child.stderr.setEncoding('utf8').on('data', err.data);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      out.end();
      err.end();
      if (code === 0 && result !== undefined) resolve(result);
      else reject(new Error(`Job ${name} ended with ${signal ?? `exit code ${code}`}:\n${tail.join('\n')}`));
    });
  });
