/**
 * SNS subscriptions with protocol lambda, on a fixture app (test/fixtures/sns-app): a topic, a
 * filtered Lambda subscription and a function with a dead-letter queue, on the embedded backend or
 * the endpoint `npm run test:endpoint` names (messages carry the run's id, so runs can repeat).
 */
import { fileURLToPath } from 'node:url';
import { PublishCommand } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { LocalPipeline } from '../../local/emulator';
import { snsFixture } from '../fixtures/sns-app/names';
import { useLocalPipeline } from '../helpers/pipeline';
import { runId } from '../helpers/run-id';
import { synthWithoutCli } from '../helpers/synth-without-cli';
import { pipelineTarget } from '../helpers/target';
import { waitFor } from '../helpers/wait';

/** Shortened from Lambda's one and two minutes so that a test can see all three tries. */
const retryDelaysMs = [1_000, 2_000];

interface Invocation {
  readonly requestId: string;
  readonly at: number;
  readonly event: {
    Records: {
      EventSource: string;
      EventVersion: string;
      EventSubscriptionArn: string;
      Sns: Record<string, unknown>;
    }[];
  };
}

const run = runId();
let pipeline: LocalPipeline;
const invocations: Invocation[] = [];
const warnings: string[] = [];

useLocalPipeline(
  async () => ({
    cloudAssemblyDir: await synthWithoutCli(
      fileURLToPath(new URL('../fixtures/sns-app/app.ts', import.meta.url)),
    ),
    ...pipelineTarget(),
    asyncRetryDelaysMs: retryDelaysMs,
    onWarning: (message) => warnings.push(message),
    onLog: (line) => {
      if (line.startsWith('{"fixture":"sns"')) invocations.push(JSON.parse(line));
    },
  }),
  (started) => {
    pipeline = started;
  },
  240_000,
);

const topicArn = () => pipeline.topology.outputs[snsFixture.outputs.topicArn] as string;

const publish = async (message: string, kind: string, subject?: string) => {
  const { MessageId } = await pipeline.clients.sns.send(
    new PublishCommand({
      TopicArn: topicArn(),
      Message: message,
      Subject: subject,
      MessageAttributes: { kind: { DataType: 'String', StringValue: kind } },
    }),
  );
  return MessageId as string;
};

const invocationsOf = (message: string) =>
  invocations.filter((invocation) => invocation.event.Records[0]?.Sns.Message === message);

describe('an SNS subscription with protocol lambda', () => {
  // "Invoking Lambda functions with Amazon SNS notifications" (Lambda Developer Guide): one record per
  // invocation, the notification under Records[0].Sns; the subscription's filter policy applies.
  it("invokes the function with SNS's event for each message its filter policy lets through", async () => {
    await publish(`filtered out ${run}`, 'drop');
    const messageId = await publish(`hello ${run}`, 'keep', 'greeting');
    const [invocation] = await waitFor(
      () => (invocationsOf(`hello ${run}`).length > 0 ? invocationsOf(`hello ${run}`) : undefined),
      { timeoutMs: 20_000, intervalMs: 100, what: 'the function to receive the notification' },
    );
    expect(invocation?.event.Records).toHaveLength(1);
    expect(invocation?.event.Records[0]).toEqual({
      EventVersion: '1.0',
      EventSource: 'aws:sns',
      EventSubscriptionArn: expect.stringMatching(new RegExp(`^${topicArn()}:`)),
      Sns: {
        Type: 'Notification',
        MessageId: messageId,
        TopicArn: topicArn(),
        Subject: 'greeting',
        Message: `hello ${run}`,
        Timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        // 1 (SHA1) or 2 (SHA256), as the topic's SignatureVersion attribute says; moto signs with 2.
        SignatureVersion: expect.stringMatching(/^[12]$/),
        Signature: expect.any(String),
        SigningCertUrl: expect.stringMatching(/^https:/),
        UnsubscribeUrl: expect.stringMatching(/^https:/),
        MessageAttributes: { kind: { Type: 'String', Value: 'keep' } },
      },
    });
    expect(invocationsOf(`filtered out ${run}`)).toEqual([]);
    expect(warnings.filter((warning) => /Subscription|Listener/.test(warning))).toEqual([]);
  });

  // "How Lambda handles errors and retries with asynchronous invocation" (Lambda Developer Guide): two
  // retries after a function error, delayed, then the function's dead-letter queue with RequestID,
  // ErrorCode and ErrorMessage attributes.
  it('retries a failed invocation twice after the retry delays, then sends the event to the DLQ', async () => {
    const failing = `fail ${run}`;
    await publish(failing, 'fail');
    const tries = await waitFor(
      () => (invocationsOf(failing).length >= 3 ? invocationsOf(failing) : undefined),
      {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: 'three tries of the failing message',
      },
    );
    const [first, second, third] = tries.map((invocation) => invocation.at);
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(retryDelaysMs[0] as number);
    expect((third ?? 0) - (second ?? 0)).toBeGreaterThanOrEqual(retryDelaysMs[1] as number);

    const dlqUrl = pipeline.queueUrls.get(
      pipeline.topology.outputs[snsFixture.outputs.deadLetterQueueArn] as string,
    );
    const dead = await waitFor(
      async () => {
        const { Messages = [] } = await pipeline.clients.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: dlqUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
        );
        return Messages.find(
          (message) => JSON.parse(message.Body ?? '{}').Records[0].Sns.Message === failing,
        );
      },
      { timeoutMs: 20_000, what: "the event in the function's dead-letter queue" },
    );
    expect(dead?.MessageAttributes?.ErrorMessage?.StringValue).toBe('asked to fail');
    expect(dead?.MessageAttributes?.RequestID?.StringValue).toBe(tries[2]?.requestId);
    expect(invocationsOf(failing)).toHaveLength(3);
  });
});
