import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type ConsumerName, consumerNames } from '../lambdas/shared/constants';
import { listDeadLetters, showDeadLetter } from './dead-letters';
import { OpsError, UsageError } from './errors';
import {
  formatDeadLetter,
  formatDeadLetters,
  formatImage,
  formatRedrive,
  formatReprocess,
  formatStatus,
  formatUnreadable,
} from './format';
import { imageReport } from './image';
import { type RedriveResult, redrive } from './redrive';
import { reprocess } from './reprocess';
import { pipelineStatus } from './status';
import { awsTarget, defaultStackName, endpointTarget, type Target } from './target';
import { listUnreadable } from './unreadable';
import { formatUpload, uploadThroughApi } from './upload';

export const usage = `Usage: image-fanout <command> [options]      (in this repository: npm run ops -- <command>)

Commands
  status                            per consumer: messages waiting, in flight, delayed, in the DLQ,
                                    unreadable, age of the oldest message
  dlq list <consumer|all>           DLQ messages: the image each concerns and why it failed
  dlq show <consumer> <messageId>   one DLQ message in full
  dlq redrive <consumer|all>        move DLQ messages back to their queue
  unreadable list <consumer|all>    messages a consumer could not read as an S3 event (recorded and
                                    acknowledged, never retried): why, and the start of the body
  reprocess <key>                   have consumers redo an upload (default: all four)
  image <key>                       where an upload stands: each consumer's record, failures, thumbnails
  upload <file>                     upload through the API (presigned POST), as an app does

Consumers: ${consumerNames.join(', ')}

Where
  --endpoint <url>      a local backend (npm start) or LocalStack; default AWS_ENDPOINT_URL.
                        Names come from the local cloud assembly.
  --cdk-out <dir>       with --endpoint: that cloud assembly (default .local/cdk.out)
  --stack <name>        without --endpoint: the deployed stack (default ${defaultStackName});
                        with it: the stack of the assembly, when it has several
  --region <name>       default AWS_REGION (us-east-1 with --endpoint)

Options
  --json                machine-readable output
  --limit <n>           dlq list: messages per consumer (default 100); unreadable list: messages (100);
                        dlq redrive: move at most n (with the receive/send/delete loop)
  --consumers <a,b>     reprocess: which consumers (default all)
  --bucket <name>       reprocess, image: the bucket of <key> (default the uploads bucket)
  --no-wait             dlq redrive: start the move task and return
  --api <url>           upload: the API (default IMAGE_FANOUT_API_URL, or the stack's ApiUrl output;
                        locally, the api line npm start prints)
  --token <jwt>         upload: a token the API accepts (default IMAGE_FANOUT_TOKEN; locally,
                        the token npm start prints)
  --wait                upload: follow the image until all four consumers are through
  -h, --help            this text`;

export interface CommandContext {
  /** Ends a redrive after the batch under way (Ctrl-C). */
  readonly signal?: AbortSignal;
  readonly print: (text: string) => void;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Where `.local/cdk.out` is looked for; default this repository. */
  readonly projectDir?: string;
}

const consumersOf = (text: string | undefined, what: string, allowAll: boolean): ConsumerName[] => {
  if (text === undefined) throw new UsageError(`${what}: name a consumer${allowAll ? ' or all' : ''}`);
  if (allowAll && text === 'all') return [...consumerNames];
  const names = text.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(consumerNames as readonly string[]).includes(name)) {
      throw new UsageError(
        `${what}: unknown consumer "${name}"; one of ${consumerNames.join(', ')}${allowAll ? ' or all' : ''}`,
      );
    }
  }
  return names as ConsumerName[];
};

const positiveInteger = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`--${name} must be a whole number above 0, not "${text}"`);
  return value;
};

const parse = (argv: readonly string[]) => {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        endpoint: { type: 'string' },
        'cdk-out': { type: 'string' },
        stack: { type: 'string' },
        region: { type: 'string' },
        json: { type: 'boolean', default: false },
        limit: { type: 'string' },
        consumers: { type: 'string' },
        bucket: { type: 'string' },
        'no-wait': { type: 'boolean', default: false },
        api: { type: 'string' },
        token: { type: 'string' },
        wait: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
};

type Options = ReturnType<typeof parse>['values'];

const openTarget = (options: Options, context: CommandContext): Promise<Target> => {
  const env = context.env ?? process.env;
  const endpoint = options.endpoint ?? (env.AWS_ENDPOINT_URL || undefined);
  const region = options.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  if (endpoint === undefined) {
    return awsTarget({ stackName: options.stack ?? defaultStackName, region });
  }
  const projectDir = context.projectDir ?? resolve(import.meta.dirname, '..');
  const cdkOut = options['cdk-out'];
  return endpointTarget({
    endpoint,
    region: region ?? 'us-east-1',
    cloudAssemblyDir:
      cdkOut === undefined
        ? resolve(projectDir, '.local', 'cdk.out')
        : resolve(context.cwd ?? process.cwd(), cdkOut),
    stackName: options.stack,
  });
};

/** The API and a token: from options, the environment, or (for the API) the deployed stack's outputs. */
const uploadCommand = async (
  file: string,
  options: Options,
  context: CommandContext,
  show: <T>(result: T, format: (result: T) => string) => void,
): Promise<number> => {
  const env = context.env ?? process.env;
  const token = options.token ?? (env.IMAGE_FANOUT_TOKEN || undefined);
  if (token === undefined) throw new UsageError('upload: give a token with --token or IMAGE_FANOUT_TOKEN');
  let apiUrl = options.api ?? (env.IMAGE_FANOUT_API_URL || undefined);
  if (apiUrl === undefined) {
    if (options.endpoint ?? env.AWS_ENDPOINT_URL) {
      throw new UsageError('upload: locally, give the api URL npm start prints with --api');
    }
    const target = await openTarget(options, context);
    target.close();
    apiUrl = target.apiUrl;
    if (apiUrl === undefined) throw new OpsError(`Stack ${target.stackName} has no ApiUrl output`);
  }
  const path = resolve(context.cwd ?? process.cwd(), file);
  show(await uploadThroughApi({ apiUrl, token, file: path, wait: options.wait }), formatUpload);
  return 0;
};

const failedRedrive = (result: RedriveResult) =>
  result.method === 'move-task'
    ? result.status === 'FAILED'
    : result.stoppedBy === 'send-refused' || result.notDeleted > 0;

type Show = <T>(result: T, format: (result: T) => string) => void;

const targetCommands = ['status', 'dlq', 'reprocess', 'image', 'unreadable'];

/** Checks a command's shape before anything is asked of the target. */
const checkUsage = (command: string, rest: readonly string[]) => {
  const needs = (count: number, form: string) => {
    if (rest.length !== count) throw new UsageError(`Usage: image-fanout ${form}`);
  };
  const [sub] = rest;
  if (!targetCommands.includes(command)) throw new UsageError(`Unknown command "${command}"`);
  if (command === 'status') needs(0, 'status');
  if (command === 'image') needs(1, 'image <key>');
  if (command === 'reprocess') needs(1, 'reprocess <key> [--consumers a,b]');
  if (command === 'dlq') {
    if (sub === 'list' || sub === 'redrive') {
      needs(2, `dlq ${sub} <consumer|all>`);
      consumersOf(rest[1], `dlq ${sub}`, true);
    } else if (sub === 'show') {
      needs(3, 'dlq show <consumer> <messageId>');
      consumersOf(rest[1], 'dlq show', false);
    } else {
      throw new UsageError(`dlq: unknown subcommand "${sub ?? ''}"; list, show or redrive`);
    }
  }
  if (command === 'unreadable') {
    if (sub !== 'list') throw new UsageError(`unreadable: unknown subcommand "${sub ?? ''}"; list`);
    needs(2, 'unreadable list <consumer|all>');
    consumersOf(rest[1], 'unreadable list', true);
  }
};

/** Moves each named consumer's DLQ back, one after another, until interrupted. */
const redriveAll = async (
  target: Target,
  names: string | undefined,
  options: Options,
  context: CommandContext,
) => {
  const results: RedriveResult[] = [];
  for (const consumer of consumersOf(names, 'dlq redrive', true)) {
    if (context.signal?.aborted) break;
    const limit = positiveInteger('limit', options.limit);
    results.push(
      await redrive(target, consumer, { limit, signal: context.signal, wait: !options['no-wait'] }),
    );
  }
  return results;
};

/** Runs a checked command against the target; the exit code is returned. */
const runOnTarget = async (
  target: Target,
  [command, sub, name, messageId]: readonly (string | undefined)[],
  options: Options,
  context: CommandContext,
  show: Show,
): Promise<number> => {
  const limit = positiveInteger('limit', options.limit);
  const key = sub as string;
  if (command === 'status') show(await pipelineStatus(target), formatStatus);
  else if (command === 'unreadable') {
    show(
      await listUnreadable(target, consumersOf(name, 'unreadable list', true), { limit }),
      formatUnreadable,
    );
  } else if (command === 'image')
    show(await imageReport(target, key, { bucket: options.bucket }), formatImage);
  else if (command === 'reprocess') {
    const consumers = consumersOf(options.consumers ?? 'all', '--consumers', true);
    show(await reprocess(target, key, consumers, { bucket: options.bucket }), formatReprocess);
  } else if (sub === 'list') {
    show(await listDeadLetters(target, consumersOf(name, 'dlq list', true), { limit }), formatDeadLetters);
  } else if (sub === 'show') {
    const consumer = consumersOf(name, 'dlq show', false)[0] as ConsumerName;
    show(await showDeadLetter(target, consumer, messageId as string), formatDeadLetter);
  } else {
    const results = await redriveAll(target, name, options, context);
    show(results, formatRedrive);
    return results.some(failedRedrive) ? 1 : 0;
  }
  return 0;
};

/** Runs one command line; the exit code is returned, the output printed. */
export const runCommand = async (argv: readonly string[], context: CommandContext): Promise<number> => {
  const { values: options, positionals } = parse(argv);
  const [command, ...rest] = positionals;
  if (options.help || command === 'help') {
    context.print(usage);
    return 0;
  }
  if (command === undefined) throw new UsageError('Name a command');
  const show: Show = (result, format) =>
    context.print(options.json ? JSON.stringify(result, null, 2) : format(result));
  if (command === 'upload') {
    if (rest.length !== 1)
      throw new UsageError('Usage: image-fanout upload <file> [--api <url>] [--token <jwt>] [--wait]');
    return uploadCommand(rest[0] as string, options, context, show);
  }
  checkUsage(command, rest);
  positiveInteger('limit', options.limit);
  if (command === 'reprocess') consumersOf(options.consumers ?? 'all', '--consumers', true);
  const target = await openTarget(options, context);
  try {
    return await runOnTarget(target, positionals, options, context, show);
  } finally {
    target.close();
  }
};

export { OpsError, UsageError };
