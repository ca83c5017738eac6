import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import type { ConsumerName } from '../lambdas/shared/constants';
import { releaseMessages } from '../local/emulator/clients';
import type { Target } from './target';

export interface LoopResult {
  readonly method: 'receive-send-delete';
  /** Sent to the source queue and deleted from the DLQ. */
  readonly moved: number;
  /** Refused by SendMessageBatch: still in the DLQ. */
  readonly notSent: number;
  /** Sent but not deleted: in both queues until the DLQ copy is redriven again (consumers are idempotent). */
  readonly notDeleted: number;
  /**
   * empty: nothing left to receive; limit: moved as many as asked; interrupted: the signal;
   * failed-again: a copy this run sent came back to the DLQ; send-refused: SendMessageBatch refused some.
   */
  readonly stoppedBy: 'empty' | 'limit' | 'interrupted' | 'failed-again' | 'send-refused';
}

export interface MoveTaskResult {
  readonly method: 'move-task';
  readonly taskHandle?: string;
  /** RUNNING when not waited for; then COMPLETED, FAILED or CANCELLED. */
  readonly status: string;
  readonly moved: number;
  readonly toMove?: number;
  readonly failureReason?: string;
}

export type RedriveResult = { readonly consumer: ConsumerName } & (LoopResult | MoveTaskResult);

export interface LoopOptions {
  /** The DLQ. */
  readonly from: string;
  /** Its source queue. */
  readonly to: string;
  /** Move at most this many. */
  readonly limit?: number;
  /** Checked between batches, never between a send and its delete. */
  readonly signal?: AbortSignal;
  /** How long a batch stays invisible in the DLQ while it is sent. */
  readonly visibilityTimeoutSeconds?: number;
}

const batchSize = 10;

/** What SendMessageBatch accepts of a received attribute. */
const sendable = (attributes: Record<string, MessageAttributeValue> | undefined) =>
  attributes === undefined || Object.keys(attributes).length === 0
    ? undefined
    : Object.fromEntries(
        Object.entries(attributes).map(([name, { DataType, StringValue, BinaryValue }]) => [
          name,
          { DataType, StringValue, BinaryValue },
        ]),
      );

/**
 * Moves messages from a DLQ to its source queue where StartMessageMoveTask is not to be had: each
 * batch is received, sent, and only then deleted, only the entries that were sent. An interruption
 * at any point can leave a message in both queues, never in neither.
 */
export const moveMessages = async (
  sqs: SQSClient,
  { from, to, limit = Number.POSITIVE_INFINITY, signal, visibilityTimeoutSeconds = 60 }: LoopOptions,
): Promise<LoopResult> => {
  let moved = 0;
  let notSent = 0;
  let notDeleted = 0;
  // Copies made by this run: one that comes back to the DLQ has failed again, and is left there.
  const sentIds = new Set<string>();
  const result = (stoppedBy: LoopResult['stoppedBy']): LoopResult => ({
    method: 'receive-send-delete',
    moved,
    notSent,
    notDeleted,
    stoppedBy,
  });
  for (;;) {
    if (signal?.aborted) return result('interrupted');
    const wanted = Math.min(batchSize, limit - moved - notSent - notDeleted);
    if (wanted <= 0) return result('limit');
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: from,
        MaxNumberOfMessages: wanted,
        VisibilityTimeout: visibilityTimeoutSeconds,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return result('empty');
    const again = Messages.filter((message) => sentIds.has(message.MessageId ?? ''));
    const batch = Messages.filter((message) => !sentIds.has(message.MessageId ?? ''));
    if (again.length > 0) await releaseMessages(sqs, from, again);
    if (batch.length === 0) return result('failed-again');

    const byId = new Map<string, Message>(batch.map((message, index) => [String(index), message]));
    let sent: SendMessageBatchCommandOutput;
    try {
      sent = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: to,
          Entries: [...byId].map(([Id, message]) => ({
            Id,
            MessageBody: message.Body ?? '',
            MessageAttributes: sendable(message.MessageAttributes),
          })),
        }),
      );
    } catch (error) {
      // Nothing was deleted: give the batch back at once rather than at its visibility timeout.
      await releaseMessages(sqs, from, batch);
      throw error;
    }
    const refused = (sent.Failed ?? []).flatMap(({ Id }) => byId.get(Id ?? '') ?? []);
    notSent += refused.length;
    if (refused.length > 0) await releaseMessages(sqs, from, refused);
    const successful = sent.Successful ?? [];
    for (const entry of successful) if (entry.MessageId) sentIds.add(entry.MessageId);

    if (successful.length > 0) {
      const deleted = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: from,
          Entries: successful.map(({ Id }) => ({
            Id: Id ?? '',
            ReceiptHandle: byId.get(Id ?? '')?.ReceiptHandle,
          })),
        }),
      );
      notDeleted += deleted.Failed?.length ?? 0;
      moved += deleted.Successful?.length ?? 0;
    }
    if (refused.length > 0) return result('send-refused');
    if (again.length > 0) return result('failed-again');
  }
};

/** Service errors that mean "this endpoint has no such operation" (fauxqs says InvalidAction). */
export const isUnsupportedOperation = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return (
    ['InvalidAction', 'UnknownOperationException', 'UnsupportedOperation', 'NotImplemented'].includes(
      error.name,
    ) ||
    status === 501 ||
    /unknown (action|operation)|not (yet )?(implemented|supported)/i.test(error.message)
  );
};

const queueArn = async (sqs: SQSClient, queueUrl: string): Promise<string> => {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  if (!Attributes.QueueArn) throw new Error(`GetQueueAttributes returned no QueueArn for ${queueUrl}`);
  return Attributes.QueueArn;
};

export interface RedriveOptions {
  /** Move at most this many, with the loop (a move task cannot stop at a count). */
  readonly limit?: number;
  readonly signal?: AbortSignal;
  /** Wait for a move task to finish (default true). */
  readonly wait?: boolean;
  readonly pollIntervalMs?: number;
  /** Skip StartMessageMoveTask even where the endpoint has it. */
  readonly forceLoop?: boolean;
}

const waitForTask = async (
  sqs: SQSClient,
  sourceArn: string,
  taskHandle: string | undefined,
  { signal, pollIntervalMs = 2_000 }: RedriveOptions,
): Promise<MoveTaskResult> => {
  for (;;) {
    // The newest task comes first; only a running task reports its handle.
    const { Results = [] } = await sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }),
    );
    const task = Results[0];
    const base = {
      method: 'move-task' as const,
      ...(taskHandle ? { taskHandle } : {}),
      status: task?.Status ?? 'UNKNOWN',
      moved: task?.ApproximateNumberOfMessagesMoved ?? 0,
      ...(task?.ApproximateNumberOfMessagesToMove !== undefined
        ? { toMove: task.ApproximateNumberOfMessagesToMove }
        : {}),
      ...(task?.FailureReason ? { failureReason: task.FailureReason } : {}),
    };
    if (task?.Status !== 'RUNNING' || signal?.aborted) return base;
    await sleep(pollIntervalMs);
  }
};

/**
 * Moves a consumer's DLQ back to its queue: with StartMessageMoveTask where the endpoint has it
 * (SQS does), else with the receive/send/delete loop.
 */
export const redrive = async (
  target: Target,
  consumer: ConsumerName,
  options: RedriveOptions = {},
): Promise<RedriveResult> => {
  const { queueUrl, deadLetterQueueUrl } = target.consumers[consumer];
  const loop = async () => ({
    consumer,
    ...(await moveMessages(target.sqs, {
      from: deadLetterQueueUrl,
      to: queueUrl,
      limit: options.limit,
      signal: options.signal,
    })),
  });
  if (options.limit !== undefined || options.forceLoop) return loop();

  const [sourceArn, destinationArn] = await Promise.all([
    queueArn(target.sqs, deadLetterQueueUrl),
    queueArn(target.sqs, queueUrl),
  ]);
  let taskHandle: string | undefined;
  try {
    ({ TaskHandle: taskHandle } = await target.sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: destinationArn }),
    ));
  } catch (error) {
    if (isUnsupportedOperation(error)) return loop();
    throw error;
  }
  if (options.wait === false) {
    return {
      consumer,
      method: 'move-task',
      ...(taskHandle ? { taskHandle } : {}),
      status: 'RUNNING',
      moved: 0,
    };
  }
  return { consumer, ...(await waitForTask(target.sqs, sourceArn, taskHandle, options)) };
};
