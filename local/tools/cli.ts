/**
 * `npm start`: the whole pipeline on this machine. Synthesizes the CDK app (or reuses an up-to-date
 * assembly), brings its topology up on the embedded backend (or --endpoint), runs the four
 * consumers from their bundles, and prints a live status line per consumer until Ctrl-C.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

// Before the SDK loads: its Node 20 deprecation notice says nothing a user of this tool can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const usage = `Usage: npm start -- [options]

  --port <n>             port of the embedded backend (default 4566)
  --api-port <n>         port of the stack's HTTP API (default 4567)
  --host <addr>          address to listen on (default 127.0.0.1)
  --endpoint <url>       use this AWS-compatible endpoint (e.g. LocalStack) instead of the embedded one
  --region <name>        region (default us-east-1, or AWS_REGION)
  --demo                 upload generated sample images and report where each one stands
  --exit                 stop once the demo is through (with --demo), or right after start-up
  --max-concurrency <n>  cap concurrent invocations per consumer, below each mapping's own maximum
  --cdk-out <dir>        run this cloud assembly instead of synthesizing the app
  --stack <name>         the stack to run when the assembly holds several
  --synth                synthesize even if the assembly looks up to date
  --verbose              print the functions' logs here too (they always go to .local/logs)
  --faults <spec>        inject faults, e.g. transient=0.05,slow=0.01,hang=0.001,throttle=0.05,duplicate=0.05
                         (rates from 0 to 1; also read from IMAGE_FANOUT_FAULTS)
  --backend-only         run the backend, resources and S3 notifications, but no consumers
  --skip-provision       with --endpoint: the resources exist already (created by --backend-only)
  -h, --help             this text`;

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '4566' },
    'api-port': { type: 'string', default: '4567' },
    host: { type: 'string', default: '127.0.0.1' },
    endpoint: { type: 'string' },
    region: { type: 'string', default: process.env.AWS_REGION ?? 'us-east-1' },
    demo: { type: 'boolean', default: false },
    exit: { type: 'boolean', default: false },
    'max-concurrency': { type: 'string' },
    'cdk-out': { type: 'string' },
    stack: { type: 'string' },
    synth: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    faults: { type: 'string', default: process.env.IMAGE_FANOUT_FAULTS },
    'backend-only': { type: 'boolean', default: false },
    'skip-provision': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (args.help) {
  console.log(usage);
  process.exit(0);
}

const positive = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${name} must be a whole number, not "${text}"\n\n${usage}`);
    process.exit(2);
  }
  return value;
};

const { anyFaults, faultOptions, parseFaults } = await import('./faults');
let faults: ReturnType<typeof parseFaults>;
try {
  faults = parseFaults(args.faults);
} catch (error) {
  console.error(`--faults: ${(error as Error).message}`);
  process.exit(2);
}
const { ensureLocalAssembly } = await import('./synth');
const { startLocalPipeline } = await import('../emulator');
const { formatDemo, runDemo } = await import('./demo');
const { formatStatus } = await import('./status-line');

const projectDir = resolve(import.meta.dirname, '..', '..');
const logsDir = join(projectDir, '.local', 'logs');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const started = Date.now();

let cloudAssemblyDir = args['cdk-out'] && resolve(args['cdk-out']);
if (cloudAssemblyDir === undefined) {
  process.stdout.write('Synthesizing the CDK app for a local run... ');
  const assembly = await ensureLocalAssembly({
    projectDir,
    force: args.synth,
    onOutput: (line) => args.verbose && console.log(`  ${line}`),
  });
  console.log(assembly.reused ? 'up to date, reused.' : `done in ${seconds(assembly.durationMs)}.`);
  cloudAssemblyDir = assembly.dir;
}

mkdirSync(logsDir, { recursive: true });
const logFiles = new Map<string, WriteStream>();
const logTo = (functionName: string) => {
  let stream = logFiles.get(functionName);
  if (stream === undefined) {
    stream = createWriteStream(join(logsDir, `${functionName}.log`), { flags: 'a' });
    logFiles.set(functionName, stream);
  }
  return stream;
};

const pipeline = await startLocalPipeline({
  cloudAssemblyDir,
  stackName: args.stack,
  endpoint: args.endpoint,
  port: positive('port', args.port),
  httpApiPort: positive('api-port', args['api-port']),
  host: args.host,
  region: args.region,
  maxConcurrency: positive('max-concurrency', args['max-concurrency']),
  ...faultOptions(faults),
  backendOnly: args['backend-only'],
  skipProvision: args['skip-provision'],
  onLog: (line, functionName) => {
    logTo(functionName).write(`${line}\n`);
    if (args.verbose) console.log(`[${functionName}] ${line}`);
  },
  onWarning: (message) => console.warn(`warning: ${message}`),
  onError: (error, where) =>
    console.error(`error in ${where}: ${error instanceof Error ? error.message : error}`),
});

const outputs = pipeline.topology.outputs;
const { startupBanner } = await import('./banner');
const { stackOutputs } = await import('../../lambdas/shared/constants');
console.log(
  await startupBanner(pipeline, {
    readyInMs: Date.now() - started,
    logsDir: relative(process.cwd(), logsDir) || '.',
    faults: anyFaults(faults) ? faults : undefined,
  }),
);

let stopping = false;
const shutdown = async (code: number) => {
  if (stopping) return;
  stopping = true;
  clearInterval(ticker);
  console.log('\nStopping: letting the batches under way finish...');
  await pipeline.stop();
  for (const stream of logFiles.values()) stream.end();
  console.log('Stopped.');
  process.exit(code);
};
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

// A TTY gets the status block redrawn in place; a log file gets a new block when something changed.
const tty = process.stdout.isTTY === true && !args.verbose;
let drawn = 0;
let last = '';
const draw = async () => {
  if (stopping) return;
  const text = formatStatus(await pipeline.status());
  if (tty) {
    process.stdout.write(`${drawn > 0 ? `\x1b[${drawn}F\x1b[J` : ''}${text}\n`);
    drawn = text.split('\n').length;
  } else if (text !== last) {
    console.log(text);
  }
  last = text;
};
const ticker = setInterval(() => void draw().catch(() => undefined), tty ? 500 : 5_000);

if (args.demo) {
  drawn = 0;
  console.log('Demo: uploading sample images...');
  const result = await runDemo(pipeline);
  drawn = 0;
  console.log(`\n${formatDemo(result, outputs[stackOutputs.derivedBucketName] ?? '?')}\n`);
  if (args.exit)
    await shutdown(result.surprises.length === 0 && result.images.every((i) => i.settled) ? 0 : 1);
} else if (args.exit) {
  await draw();
  await shutdown(0);
}
