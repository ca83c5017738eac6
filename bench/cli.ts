/**
 * `npm run bench`: throughput, latency, back-pressure and the comparisons, on the local runtime (or
 * the load generator alone against a deployment). Progress on stderr, the summary on stdout, the
 * figures in bench/results/.
 */
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

// Before the SDK loads: its Node 20 deprecation notice says nothing a user of this tool can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * Lambda gives each environment its own share of CPU; locally they all share this machine's cores.
 * Two invocations per core keep the cores busy while one waits on I/O, and keep each invocation
 * inside its timeout under overload (with 50 on 2 cores, thumbnail batches ran out of time).
 */
const defaultMaxConcurrency = 2 * availableParallelism();

const { localBackPressure } = await import('./api-load');

const usage = `Usage: npm run bench -- [options]

Without --rate, the whole suite on the local runtime: the raw compute bound, the pipeline at its
maximum rate, at half of it (latency) and at twice it (back-pressure), the batch size x concurrency
sweep and the micro comparisons (about 9 minutes on 2 cores; --quick about 2).

  --quick                a small run of everything, as a smoke test
  --count <n>            images in the raw and max-rate runs (default 192; quick 24)
  --duration <s>         length of the half-load and overload runs (default 40; quick 10)
  --rate <n|max>         one load run instead of the suite: n uploads a second (open model: uploads
                         start on schedule, whatever became of the earlier ones) or max (8 in flight),
                         for --count images (default 100) or --duration seconds
  --skip-sweep           leave out the sweep
  --skip-micro           leave out the micro comparisons (bench/compare)
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
  -h, --help             this text`;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    count: { type: 'string' },
    duration: { type: 'string' },
    rate: { type: 'string' },
    'skip-sweep': { type: 'boolean', default: false },
    'skip-micro': { type: 'boolean', default: false },
    'max-concurrency': { type: 'string' },
    via: { type: 'string', default: 's3' },
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
const rate =
  args.rate === undefined ? undefined : args.rate === 'max' ? 'max' : positive('rate', args.rate, false);
const count = positive('count', args.count);
const durationSeconds = positive('duration', args.duration, false);
const maxConcurrency =
  args['max-concurrency'] === 'none'
    ? undefined
    : (positive('max-concurrency', args['max-concurrency']) ?? defaultMaxConcurrency);
const remote = args.bucket !== undefined;
if (args.via !== 's3' && args.via !== 'api') fail(`--via is s3 or api, not "${args.via}"`);
if (remote && args.via === 'api') fail('--via api runs on the local runtime, not with --bucket');
if (remote && args.table === undefined) fail('--bucket needs --table: latencies come from the stage records');
if (!remote && (args.table !== undefined || args.endpoint !== undefined)) {
  fail('--table and --endpoint go with --bucket (a deployed stack)');
}

const { runBenchmark, machineInfo } = await import('./benchmark');
const { loadImageSet, summarizeImageSet } = await import('./images');
const { progressBar } = await import('./progress');
const { formatSummary } = await import('./report');
const { writeResults } = await import('./results');
const { runRemote } = await import('./remote');
type BenchResult = import('./types').BenchResult;

const projectDir = resolve(import.meta.dirname, '..');
const resultsDir = resolve(args.results ?? join(projectDir, 'bench', 'results'));
const progress = progressBar();
const started = Date.now();
const interrupt = () => {
  progress.done();
  console.error('\nInterrupted; nothing written.');
  process.exit(130);
};
process.on('SIGINT', interrupt);

let result: BenchResult;
try {
  if (remote) {
    const { images, dir } = await loadImageSet({ projectDir });
    const run = await runRemote({
      target: {
        endpoint: args.endpoint,
        bucket: args.bucket as string,
        table: args.table as string,
        region: args.region,
      },
      images,
      rate: rate ?? 'max',
      count,
      durationSeconds,
      runId: new Date(started).toISOString().replace(/[-:]/g, '').replace(/\..*$/, ''),
      onProgress: (p) =>
        progress.update({
          phase: 'remote load',
          done: p.draining || p.planned === undefined ? p.done : p.uploaded,
          total: p.planned,
          detail: `${p.uploaded} up · ${p.done} done${p.draining ? ' · waiting for the stage records' : ''}`,
        }),
    });
    result = {
      version: 1,
      mode: 'remote',
      startedAt: new Date(started).toISOString(),
      durationSeconds: Math.round((Date.now() - started) / 100) / 10,
      machine: machineInfo(),
      options: { rate: rate ?? 'max', count, durationSeconds, endpoint: args.endpoint, bucket: args.bucket },
      imageSet: summarizeImageSet(images, relative(projectDir, dir)),
      runs: [run],
      comparisons: [],
      goals: [
        {
          name: 'every image done',
          goal: '0 missing',
          value: String(run.unaccounted),
          met: run.unaccounted === 0,
        },
      ],
      notes: [
        "latencies compare this machine's clock with the functions' (updatedAt): clock skew adds to them",
      ],
    };
  } else {
    result = await runBenchmark({
      projectDir,
      quick: args.quick,
      count,
      durationSeconds,
      rate,
      skipSweep: args['skip-sweep'],
      skipMicro: args['skip-micro'],
      synth: args.synth,
      tuning: maxConcurrency === undefined ? {} : { maxConcurrency },
      ...(args.via === 'api' ? { viaApi: localBackPressure } : {}),
      onProgress: (p) => progress.update(p),
      log: (line) => progress.log(line),
    });
  }
} catch (error) {
  progress.done();
  console.error(
    `Benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
}
progress.done();
const written = writeResults(result, resultsDir);
console.log(formatSummary(result));
console.log(
  `\nResults: ${relative(process.cwd(), written.json)} (also ${relative(process.cwd(), written.latest)}); chart ${relative(process.cwd(), written.chart)}`,
);
process.exit(result.goals.every((goal) => goal.met) ? 0 : 1);
