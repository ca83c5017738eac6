/**
 * Messages a consumer cannot read as an S3 event are recorded and acknowledged, never retried and
 * never in a DLQ: the operator's tool is where they show. Real consumers on the embedded backend
 * record them; `image-fanout status` counts them and `unreadable list` shows why and what they held.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, inject, it } from 'vitest';
import type { LocalPipeline } from '../../local/emulator';
import { runCommand } from '../../ops/commands';
import { pipelineStatus } from '../../ops/status';
import type { Target } from '../../ops/target';
import { listUnreadable } from '../../ops/unreadable';
import { useOpsTarget } from '../helpers/ops-target';
import { runId } from '../helpers/run-id';
import { waitFor } from '../helpers/wait';

const assembly = inject('pipelineAssembly');
let pipeline: LocalPipeline;
let target: Target;

useOpsTarget(
  assembly,
  (started) => {
    ({ pipeline, target } = started);
  },
  { port: 0 },
);

const send = (queueUrl: string, body: string) =>
  target.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));

const runCli = async (argv: string[]) => {
  const printed: string[] = [];
  const code = await runCommand([...argv, '--endpoint', pipeline.endpoint, '--cdk-out', assembly], {
    print: (text) => printed.push(text),
    env: {},
  });
  return { code, output: printed.join('\n') };
};

describe('unreadable messages', () => {
  it('are counted per consumer by status and listed with their reason and body', async () => {
    const run = runId();
    const notJson = `not json at all ${run}`;
    const noTime = JSON.stringify({
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'b' }, object: { key: `k-${run}` } },
        },
      ],
    });
    await send(target.consumers.metadata.queueUrl, notJson);
    await send(target.consumers.metadata.queueUrl, noTime);
    await send(target.consumers.indexing.queueUrl, JSON.stringify({ hello: run }));

    const status = await waitFor(
      async () => {
        const current = await pipelineStatus(target);
        const of = (name: string) => current.consumers.find((entry) => entry.consumer === name);
        return of('metadata')?.unreadable === 2 && of('indexing')?.unreadable === 1 ? current : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the consumers to record the unreadable messages' },
    );
    for (const consumer of status.consumers) expect(consumer.deadLetters, consumer.consumer).toBe(0);
    expect(status.consumers.find((entry) => entry.consumer === 'thumbnail')?.unreadable).toBe(0);

    const listing = await listUnreadable(target, ['metadata']);
    expect(listing.messages.map((message) => [message.reasonCode, message.body]).sort()).toEqual(
      [
        ['malformed-message', noTime],
        ['malformed-message', notJson],
      ].sort(),
    );
    expect(listing.messages.find((message) => message.body === noTime)?.reason).toMatch(
      /no sequencer and no eventTime/,
    );

    const statusCli = await runCli(['status']);
    expect(statusCli.code).toBe(0);
    expect(statusCli.output).toMatch(/unreadable/);
    expect(statusCli.output).toMatch(/^metadata\s+\d+\s+\d+\s+\d+\s+0\s+2\s/m);

    const listCli = await runCli(['unreadable', 'list', 'all']);
    expect(listCli.code).toBe(0);
    expect(listCli.output).toMatch(/3 unreadable messages/);
    expect(listCli.output).toContain(`body     ${notJson}`);
    expect(listCli.output).toMatch(/reason {3}malformed-message: Message body is not JSON/);
    expect(listCli.output).toContain(`{"hello":"${run}"}`);
  });
});
