/**
 * `npm run soak`: upload N images (a few per cent hostile) through the local pipeline under
 * injected faults, then account for every one. Exits non-zero if any image is unaccounted for or
 * has the wrong outcome.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { twoPerCore as defaultMaxConcurrency } from '../emulator/runtime/options';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '2000' },
    hostile: { type: 'string', default: '0.03' },
    faults: { type: 'string', default: 'transient=0.05,slow=0.01,hang=0.001,throttle=0.02,duplicate=0.02' },
    'max-concurrency': { type: 'string' },
    'timeout-minutes': { type: 'string', default: '30' },
    'storm-keys': { type: 'string', default: '20' },
    'storm-operations': { type: 'string', default: '400' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(`Usage: npm run soak -- [--images 2000] [--hostile 0.03] [--faults <spec>|none] [--max-concurrency n|none] [--timeout-minutes 30]
                     [--storm-keys 20] [--storm-operations 400]

Runs the stack (with ${'8'} s function timeouts, so retries come back within a minute) on the embedded
backend with faults injected, uploads the images while a storm of overwrites and deletes races on a
few shared keys (--storm-keys 0 for none), and prints the accounting: each image's outcome, and each
storm key against its newest event. Every consumer runs at most --max-concurrency invocations at
once (default 2 per core: ${defaultMaxConcurrency} here; none for each mapping's own MaximumConcurrency).`);
  process.exit(0);
}

const maxConcurrencyOf = (value: string | undefined) =>
  value === 'none' ? undefined : value === undefined ? defaultMaxConcurrency : Number(value);

const { startLocalPipeline } = await import('../emulator');
const {
  consumerLabel,
  ensureSoakAssembly,
  faultOptions,
  formatAccounting,
  formatStorm,
  parseFaults,
  runSoak,
} = await import('./index');
const { stackOutputs } = await import('../../lambdas/shared/constants');

const projectDir = resolve(import.meta.dirname, '..', '..');
const count = Number(args.images);
const faults = parseFaults(args.faults === 'none' ? '' : args.faults);
process.stdout.write('Synthesizing the soak variant of the stack... ');
const assembly = await ensureSoakAssembly(projectDir);
console.log(assembly.reused ? 'up to date.' : `done in ${(assembly.durationMs / 1000).toFixed(1)} s.`);

const errors: string[] = [];
const pipeline = await startLocalPipeline({
  cloudAssemblyDir: assembly.dir,
  port: 0,
  ...faultOptions(faults),
  maxConcurrency: maxConcurrencyOf(args['max-concurrency']),
  onError: (error, where) => errors.push(`${where}: ${String(error)}`),
});
const { outputs } = pipeline.topology;
console.log(
  `Soak: ${count} images, ${Number(args.hostile) * 100}% hostile, faults ${JSON.stringify(faults)}`,
);
const result = await runSoak(
  pipeline,
  {
    bucket: outputs[stackOutputs.uploadsBucketName] as string,
    prefix: outputs[stackOutputs.uploadsPrefix] as string,
  },
  {
    count,
    hostileShare: Number(args.hostile),
    settleTimeoutMs: Number(args['timeout-minutes']) * 60_000,
    storm:
      Number(args['storm-keys']) > 0
        ? {
            keys: Number(args['storm-keys']),
            operations: Number(args['storm-operations']),
            onObjectEvent: (listener) => pipeline.backend?.onObjectEvent(listener),
          }
        : undefined,
    onProgress: (accounting, elapsedMs) => {
      const done = accounting.images.length - accounting.counts['still in progress'];
      process.stdout.write(
        `\r  ${(elapsedMs / 1000).toFixed(0).padStart(5)} s  ${done}/${accounting.images.length} accounted for`,
      );
    },
  },
);
const consumers = await pipeline.status();
const throttled = pipeline.backend?.throttled() ?? 0;
await pipeline.stop();

console.log(
  `\n\nAccounting after ${(result.durationMs / 1000).toFixed(1)} s (uploads took ${(result.uploadMs / 1000).toFixed(1)} s):`,
);
console.log(formatAccounting(result.accounting));
console.log(formatStorm(result.storm));
console.log('\n  consumer     processed  rejected  retried  timeouts  DLQ');
for (const c of consumers) {
  const name = consumerLabel(c.functionName);
  console.log(
    `  ${name.padEnd(11)}${String(c.metrics.RecordsProcessed ?? 0).padStart(10)}${String(c.metrics.RecordsRejected ?? 0).padStart(10)}${String(c.retried).padStart(9)}${String(c.timeouts).padStart(10)}${String(c.dlqDepth).padStart(5)}`,
  );
}
console.log(`  backend requests throttled: ${throttled}`);
for (const image of result.accounting.images.filter(
  (i) => i.verdict === 'unaccounted' || i.verdict === 'wrong outcome',
)) {
  console.log(`  ${image.verdict}: ${image.key}${image.detail ? ` (${image.detail})` : ''}`);
}
for (const error of errors.slice(0, 10)) console.log(`  runtime error: ${error}`);
const ok =
  result.accounting.counts.unaccounted === 0 &&
  result.accounting.counts['wrong outcome'] === 0 &&
  result.storm.every((key) => key.verdict === 'newest event');
console.log(ok ? '\nEvery image is accounted for.' : '\nSome images are not accounted for.');
process.exit(ok ? 0 : 1);
