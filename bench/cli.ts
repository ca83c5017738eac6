/**
 * `npm run bench`: throughput, latency, back-pressure and the comparisons, on the local runtime (or
 * the load generator alone against a deployment). Progress on stderr, the summary on stdout, the
 * figures in bench/results/. Exits 1 when a goal is missed, 2 on a bad option.
 */

import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { twoPerCore as defaultMaxConcurrency } from '../local/emulator/runtime/options';
import type { Rate } from './types';

// Before the SDK loads: its Node 20 deprecation notice says nothing a user of this tool can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { localBackPressure } = await import('./load/api');
const { phases, phaseGroups, selectPhases, suite } = await import('./phases');
const { defaultSingleRunCount, plans } = await import('./plan');

const usage = `Usage: npm run bench -- [options]

Without --rate, the whole suite on the local runtime: ${suite.join(', ')} (about 10 minutes on 2 cores, longer on a shared machine; --quick about 4).

  --quick                a small run of everything, as a smoke test
  --only <phases>        only these phases (comma-separated; groups: ${Object.keys(phaseGroups).join(', ')}),
                         with the phases they scale from, e.g. --only=batching or --only=overload
  --skip <phases>        leave these out; --skip-sweep and --skip-micro as before
  --count <n>            images in the raw and max-rate runs (default ${plans.full.count}; quick ${plans.quick.count})
  --duration <s>         length of the half-load and overload runs (default ${plans.full.latencySeconds}; quick ${plans.quick.latencySeconds})
  --rate <n|max>         one load run instead of the suite: n uploads a second (open model: uploads
                         start on schedule, whatever became of the earlier ones) or max (8 in flight),
                         for --count images (default ${defaultSingleRunCount}) or --duration seconds
  --via <s3|api>         how the load uploads: straight to S3 (default), or through the stack's HTTP API
                         as an app does (presigned POST), so its back-pressure decides what gets in;
                         429s are counted as refused, not retried. The API may hold what drains in
                         ${localBackPressure.drainSeconds} s, at most ${localBackPressure.maxBacklog} per queue (sized for this machine, over the template's)
  --max-concurrency <n|none>
                         cap every consumer's concurrent invocations, as npm start -- --max-concurrency
                         does (default 2 per core: ${defaultMaxConcurrency} here); none runs each mapping's
                         own MaximumConcurrency, all of them sharing this machine's cores
  --synth                synthesize the app even if the local assembly looks up to date
  --results <dir>        where the JSON and the chart go (default bench/results)

Against a deployment (load generator and latency from the table only):
  --bucket <name>        the uploads bucket (UploadsBucketName output); turns this mode on
  --table <name>         the images table (ImagesTableName output)
  --endpoint <url>       an S3/DynamoDB-compatible endpoint (LocalStack); AWS itself when left out
  --region <name>        default AWS_REGION or us-east-1
  -h, --help             this text

Phases:
${phases.map((phase) => `  ${phase.name.padEnd(21)}  ${phase.measures}`).join('\n')}`;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    skip: { type: 'string' },
    'skip-sweep': { type: 'boolean', default: false },
    'skip-micro': { type: 'boolean', default: false },
    count: { type: 'string' },
    duration: { type: 'string' },
    rate: { type: 'string' },
    via: { type: 'string', default: 's3' },
    'max-concurrency': { type: 'string' },
    synth: { type: 'boolean', default: false },
    results: { type: 'string' },
    endpoint: { type: 'string' },
    bucket: { type: 'string' },
    table: { type: 'string' },
    region: { type: 'string', default: process.env.AWS_REGION ?? 'us-east-1' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (args.help) {
  console.log(usage);
  process.exit(0);
}

const fail = (message: string): never => {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
};

const positive = (name: string, text: string | undefined, integer = true): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(value > 0) || (integer && !Number.isInteger(value)))
    fail(`--${name} must be a positive number, not "${text}"`);
  return value;
};

const list = (text: string | undefined) =>
  text
    ?.split(',')
    .map((name) => name.trim())
    .filter(Boolean);

/** The phases these options ask for: one load run, the remote run, or the suite with --only and --skip. */
const chosenPhases = (remote: boolean, singleRun: boolean) => {
  const skip = [
    ...(list(args.skip) ?? []),
    ...(args['skip-sweep'] ? ['sweep'] : []),
    ...(args['skip-micro'] ? ['micro'] : []),
  ];
  try {
    if (remote || singleRun) return selectPhases({ only: [remote ? 'remote' : 'load'] });
    return selectPhases({ only: list(args.only), skip });
  } catch (error) {
    return fail((error as Error).message);
  }
};

const settingsFromArgs = () => {
  const remote = args.bucket !== undefined;
  if (args.via !== 's3' && args.via !== 'api') fail(`--via is s3 or api, not "${args.via}"`);
  if (remote && args.via === 'api') fail('--via api runs on the local runtime, not with --bucket');
  if (remote && args.table === undefined)
    fail('--bucket needs --table: latencies come from the stage records');
  if (!remote && (args.table !== undefined || args.endpoint !== undefined))
    fail('--table and --endpoint go with --bucket (a deployed stack)');
  const rate: Rate | undefined =
    args.rate === undefined ? undefined : args.rate === 'max' ? 'max' : positive('rate', args.rate, false);
  const singleRun = rate !== undefined || remote;
  const count = positive('count', args.count);
  const durationSeconds = positive('duration', args.duration, false);
  const target = { endpoint: args.endpoint, bucket: args.bucket ?? '', table: args.table ?? '' };
  return {
    projectDir: resolve(import.meta.dirname, '..'),
    plan: plans[args.quick ? 'quick' : 'full'],
    phases: chosenPhases(remote, rate !== undefined),
    quick: args.quick,
    count: count ?? (singleRun && durationSeconds === undefined ? defaultSingleRunCount : undefined),
    durationSeconds,
    rate: rate ?? (remote ? ('max' as const) : undefined),
    maxConcurrency:
      args['max-concurrency'] === 'none'
        ? undefined
        : (positive('max-concurrency', args['max-concurrency']) ?? defaultMaxConcurrency),
    ...(args.via === 'api' ? { viaApi: localBackPressure } : {}),
    ...(remote ? { remote: { ...target, region: args.region } } : {}),
    synth: args.synth,
  };
};

const settings = settingsFromArgs();
const { runBench } = await import('./runner');
const { progressBar } = await import('./progress');
const { formatSummary } = await import('./report/summary');
const { writeResults } = await import('./report/write');

const progress = progressBar();
process.on('SIGINT', () => {
  progress.done();
  console.error('\nInterrupted; nothing written.');
  process.exit(130);
});
const result = await runBench({
  ...settings,
  onProgress: (p) => progress.update(p),
  log: (line) => progress.log(line),
}).catch((error: unknown) => {
  progress.done();
  console.error(
    `Benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
progress.done();
const written = writeResults(result, resolve(args.results ?? join(settings.projectDir, 'bench', 'results')));
const shown = (path: string) => relative(process.cwd(), path);
console.log(formatSummary(result));
console.log(
  `\nResults: ${shown(written.json)} (also ${shown(written.latest)}); chart ${shown(written.chart)}`,
);
process.exit(result.goals.every((goal) => goal.met) ? 0 : 1);
