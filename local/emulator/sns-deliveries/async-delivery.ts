/**
 * Delivers an SNS subscription's messages to its function as Lambda's asynchronous invocation does
 * ("How Lambda handles errors and retries with asynchronous invocation", Lambda Developer Guide):
 * one invocation per message; when the function fails (throws, times out, crashes), two more tries,
 * the first after one minute and the second after two more; then the event goes to the function's
 * dead-letter queue when it has one, and is dropped otherwise. The stand-in queue (sns-event.ts)
 * holds the events between tries: a failed one is made visible again after the retry delay.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { BackgroundLoop } from '../event-source';
import type { InvokeOutcome } from '../lambda';
import { snsEventOf } from './sns-event';

/** Lambda's delays before the second and the third attempt. */
export const lambdaAsyncRetryDelaysMs = [60_000, 120_000] as const;

export interface AsyncDeliveryOptions {
  /** The subscription's logical id, for messages. */
  readonly name: string;
  readonly queueUrl: string;
  /** What the event's EventSubscriptionArn says. */
  readonly subscriptionArn: string;
  readonly sqs: SQSClient;
  readonly invoke: (event: unknown) => Promise<InvokeOutcome>;
  /** Invocations at once. */
  readonly concurrency: number;
  /** How long a message stays hidden while its invocation runs: more than the function timeout. */
  readonly invocationSeconds: number;
  /** One delay per retry; Lambda's by default. Tests shorten them. */
  readonly retryDelaysMs?: readonly number[];
  /** The function's DeadLetterConfig target, when it is a queue the runtime knows. */
  readonly deadLetterQueueUrl?: string;
  /** Something the operator should know: an event dropped or dead-lettered, a message that is no event. */
  readonly onNotice?: (message: string) => void;
  readonly onError?: (error: unknown) => void;
}

export interface AsyncDeliveryStats {
  readonly invocations: number;
  readonly retried: number;
  readonly deadLettered: number;
  readonly dropped: number;
}

const pollSeconds = 5;

export class AsyncDelivery {
  private readonly background = new BackgroundLoop();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly counters = { invocations: 0, retried: 0, deadLettered: 0, dropped: 0 };

  constructor(private readonly options: AsyncDeliveryOptions) {}

  start(): void {
    this.background.start(() => this.run());
  }

  /** Stops receiving and waits for the invocations under way. */
  async stop(): Promise<void> {
    await this.background.stop(() => this.inFlight);
  }

  stats(): AsyncDeliveryStats {
    return { ...this.counters };
  }

  private async run(): Promise<void> {
    const { sqs, queueUrl, concurrency, invocationSeconds } = this.options;
    while (this.background.isRunning) {
      const room = concurrency - this.inFlight.size;
      if (room <= 0) {
        await Promise.race(this.inFlight);
        continue;
      }
      try {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, room),
            WaitTimeSeconds: pollSeconds,
            VisibilityTimeout: invocationSeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
          { abortSignal: this.background.signal },
        );
        for (const message of Messages) this.track(this.deliver(message));
      } catch (error) {
        if (!this.background.isRunning) return;
        this.options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  private track(delivery: Promise<void>): void {
    const work = delivery.catch((error: unknown) => this.options.onError?.(error));
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async deliver(message: Message): Promise<void> {
    const { name, subscriptionArn } = this.options;
    let event: unknown;
    try {
      event = snsEventOf(message.Body ?? '', subscriptionArn);
    } catch (error) {
      this.options.onNotice?.(
        `${name}: dropped a message that is no SNS notification (${(error as Error).message})`,
      );
      await this.remove(message);
      return;
    }
    this.counters.invocations += 1;
    const outcome = await this.options.invoke(event);
    if (outcome.status === 'ok') {
      await this.remove(message);
      return;
    }
    await this.failed(message, outcome);
  }

  private async failed(message: Message, outcome: Exclude<InvokeOutcome, { status: 'ok' }>): Promise<void> {
    const delays = this.options.retryDelaysMs ?? lambdaAsyncRetryDelaysMs;
    const attempt = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
    const delay = delays[attempt - 1];
    if (delay !== undefined) {
      this.counters.retried += 1;
      await this.options.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.options.queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: Math.ceil(delay / 1000),
        }),
      );
      return;
    }
    const why =
      outcome.status === 'timeout' ? outcome.errorMessage : `${outcome.errorType}: ${outcome.errorMessage}`;
    const target = this.options.deadLetterQueueUrl;
    if (target !== undefined) {
      await this.deadLetter(target, message, outcome);
      this.counters.deadLettered += 1;
      this.options.onNotice?.(
        `${this.options.name}: event sent to the function's dead-letter queue after ${attempt} attempts (${why})`,
      );
    } else {
      this.counters.dropped += 1;
      this.options.onNotice?.(
        `${this.options.name}: event dropped after ${attempt} attempts, the function has no dead-letter queue (${why})`,
      );
    }
    await this.remove(message);
  }

  /** The event as the function got it, with the attributes Lambda adds to a dead-lettered event. */
  private async deadLetter(
    queueUrl: string,
    message: Message,
    outcome: Exclude<InvokeOutcome, { status: 'ok' }>,
  ) {
    // A function error is still a 200 response of the Invoke API, and that is the code Lambda records.
    const errorCode = '200';
    await this.options.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(snsEventOf(message.Body ?? '', this.options.subscriptionArn)),
        MessageAttributes: {
          RequestID: { DataType: 'String', StringValue: outcome.requestId },
          ErrorCode: { DataType: 'Number', StringValue: errorCode },
          ErrorMessage: { DataType: 'String', StringValue: outcome.errorMessage.slice(0, 1_000) },
        },
      }),
    );
  }

  private async remove(message: Message): Promise<void> {
    await this.options.sqs.send(
      new DeleteMessageCommand({ QueueUrl: this.options.queueUrl, ReceiptHandle: message.ReceiptHandle }),
    );
  }
}
