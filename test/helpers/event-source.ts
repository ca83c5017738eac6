/**
 * What the event source tests observe of a local pipeline: each invocation as the fixture function
 * printed it, each batch as the event source reported it (with when it ran), queue depths, lanes.
 */
import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { type BatchReport, emptyQueueDepth, type LocalPipeline, queueDepth } from '../../local/emulator';

/** A record as the fixture prints it (long bodies by length only; md5OfMessageAttributes may be null). */
export type PrintedRecord = Omit<SQSRecord, 'md5OfMessageAttributes'> & {
  md5OfMessageAttributes?: string | null;
};

export interface Invocation {
  readonly requestId: string;
  readonly functionName: string;
  readonly startedAt: number;
  endedAt?: number;
  /** Printed by the fidelity fixture: the size of the event it received. */
  readonly payloadBytes?: number;
  /** Printed by the trigger fixture: context.getRemainingTimeInMillis() at the start. */
  readonly remainingMs?: number;
  readonly records: PrintedRecord[];
}

/** A batch report with the time the event source spent on it (gathered, invoked, acknowledged). */
export interface TimedReport extends BatchReport {
  readonly startedAt: number;
  readonly endedAt: number;
}

interface FixtureLine {
  readonly phase: 'start' | 'end';
  readonly requestId: string;
  readonly at: number;
  readonly functionName: string;
  readonly payloadBytes?: number;
  readonly remainingMs?: number;
  readonly records: PrintedRecord[];
}

export const createObserver = () => {
  const invocations = new Map<string, Invocation>();
  const reports: TimedReport[] = [];
  const problems: string[] = [];
  return {
    invocations,
    reports,
    problems,
    onLog: (line: string) => {
      if (!line.startsWith('{"fixture":true')) return;
      const entry = JSON.parse(line) as FixtureLine;
      if (entry.phase === 'start') {
        const { phase: _, at, ...printed } = entry;
        invocations.set(entry.requestId, { ...printed, startedAt: at });
      } else {
        const started = invocations.get(entry.requestId);
        if (started) started.endedAt = entry.at;
      }
    },
    onBatch: (report: BatchReport) => {
      const endedAt = Date.now();
      reports.push({ ...report, startedAt: endedAt - report.durationMs, endedAt });
    },
    onError: (error: unknown, where: string) => problems.push(`${where}: ${String(error)}`),
    onWarning: (message: string) => problems.push(message),
  };
};
export type Observer = ReturnType<typeof createObserver>;

export interface Lane {
  readonly arn: string;
  readonly url: string;
  readonly dlqArn: string;
  readonly dlqUrl: string;
  /** Logical id of the lane's event source mapping, as batch reports and status() name it. */
  readonly mapping: string;
}

export const resolveLane = (
  pipeline: LocalPipeline,
  outputs: { readonly queueArn: string; readonly dlqArn: string },
): Lane => {
  const arn = pipeline.topology.outputs[outputs.queueArn] ?? '';
  const dlqArn = pipeline.topology.outputs[outputs.dlqArn] ?? '';
  const url = pipeline.queueUrls.get(arn);
  const dlqUrl = pipeline.queueUrls.get(dlqArn);
  const mapping = pipeline.topology.eventSourceMappings.find(
    (m) => m.eventSourceArn === arn || m.eventSourceArn === dlqArn,
  )?.logicalId;
  if (url === undefined || dlqUrl === undefined || mapping === undefined)
    throw new Error(`The fixture has no complete lane for ${outputs.queueArn}`);
  return { arn, url, dlqArn, dlqUrl, mapping };
};

/** Sends bodies (objects as JSON) one by one, in order; their message ids. FIFO sends need a group. */
export const sendEach = async (
  pipeline: LocalPipeline,
  url: string,
  bodies: readonly (object | string)[],
  groupId?: string,
): Promise<string[]> => {
  const ids: string[] = [];
  for (const body of bodies) {
    const sent = await pipeline.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
        ...(groupId === undefined ? {} : { MessageGroupId: groupId }),
      }),
    );
    ids.push(sent.MessageId ?? '');
  }
  return ids;
};

/** Sends bodies (objects as JSON) in SendMessageBatch calls of ten, in order (FIFO: each with its group). */
export const sendBatch = async (
  pipeline: LocalPipeline,
  url: string,
  entries: readonly { readonly body: object | string; readonly groupId?: string }[],
): Promise<string[]> => {
  const ids: string[] = [];
  for (let start = 0; start < entries.length; start += 10) {
    const sent = entries.slice(start, start + 10).map(({ body, groupId }, index) => ({
      Id: `m${index}`,
      MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
      ...(groupId === undefined ? {} : { MessageGroupId: groupId }),
    }));
    const { Successful = [], Failed = [] } = await pipeline.clients.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: url, Entries: sent }),
    );
    if (Failed.length > 0) throw new Error(`SendMessageBatch failed: ${JSON.stringify(Failed)}`);
    ids.push(...sent.map(({ Id }) => Successful.find((entry) => entry.Id === Id)?.MessageId ?? ''));
  }
  return ids;
};

/** The queue's depth, as GetQueueAttributes counts it. */
export const depth = (pipeline: LocalPipeline, url: string) => queueDepth(pipeline.clients.sqs, url);

export const emptyQueue = emptyQueueDepth;

/** The invocations that read this queue, in the order they started. */
export const invocationsOf = (observer: Observer, queueArn: string) =>
  [...observer.invocations.values()]
    .filter((invocation) => invocation.records[0]?.eventSourceARN === queueArn)
    .sort((a, b) => a.startedAt - b.startedAt);

/** ApproximateReceiveCount of every delivery of a message to the function, in order. */
export const deliveries = (observer: Observer, messageId: string) =>
  [...observer.invocations.values()]
    .sort((a, b) => a.startedAt - b.startedAt)
    .flatMap((invocation) => invocation.records.filter((record) => record.messageId === messageId))
    .map((record) => Number(record.attributes.ApproximateReceiveCount));

export const statusOf = async (pipeline: LocalPipeline, mapping: string) => {
  const found = (await pipeline.status()).find((status) => status.mapping === mapping);
  if (found === undefined) throw new Error(`No status for ${mapping}`);
  return found;
};

export const reportsOf = (observer: Observer, mapping: string) =>
  observer.reports.filter((report) => report.mapping === mapping).sort((a, b) => a.startedAt - b.startedAt);

interface Edge {
  readonly at: number;
  readonly change: 1 | -1;
  readonly interval: number;
}

/** Starts and ends in time order; at one instant an interval's own start comes before its own end. */
const edgesOf = (intervals: readonly { readonly startedAt: number; readonly endedAt?: number }[]): Edge[] =>
  intervals
    .flatMap(({ startedAt, endedAt = Number.POSITIVE_INFINITY }, interval): Edge[] => [
      { at: startedAt, change: 1, interval },
      { at: endedAt, change: -1, interval },
    ])
    .sort(
      (a, b) =>
        (a.at === b.at ? 0 : a.at - b.at) ||
        (a.interval === b.interval ? b.change - a.change : a.change - b.change),
    );

/** The most intervals that overlap at one instant; one that ends as another starts does not overlap it. */
export const peakOverlap = (
  intervals: readonly { readonly startedAt: number; readonly endedAt?: number }[],
) => {
  let running = 0;
  let most = 0;
  for (const { change } of edgesOf(intervals)) {
    running += change;
    most = Math.max(most, running);
  }
  return most;
};

/** When the overlap of the intervals first reached each level, by level. */
export const timeToReach = (
  intervals: readonly { readonly startedAt: number; readonly endedAt: number }[],
) => {
  const reached = new Map<number, number>();
  let running = 0;
  for (const { at, change } of edgesOf(intervals)) {
    running += change;
    if (!reached.has(running)) reached.set(running, at);
  }
  return reached;
};
