/**
 * Lambda's SQS event source semantics in the local runtime, on a fixture app whose function answers
 * each batch the way its messages ask: which messages are deleted, which come back, which end in
 * the DLQ, what the function receives, and how batches are cut and run. Each test has a queue of
 * its own (a lane), so the tests run at once.
 */
import { createHash } from 'node:crypto';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { LocalPipeline } from '../../local/emulator';
import {
  fixtureTimings,
  functionOutput,
  type LaneName,
  laneOutputs,
  type ResponseShape,
  synthTriggerFixture,
} from '../fixtures/trigger-app/app';
import {
  createObserver,
  deliveries,
  depth as depthOf,
  emptyQueue as empty,
  invocationsOf as invocationsIn,
  type Lane,
  peakOverlap,
  resolveLane,
  sendBatch,
  statusOf as statusIn,
} from '../helpers/event-source';
import { useFixturePipeline } from '../helpers/pipeline';
import { waitFor } from '../helpers/wait';

/** Long enough for a message that was not deleted to come back: visibility timeout, window, slack. */
const redeliveryWindowMs =
  (fixtureTimings.visibilityTimeoutSeconds + fixtureTimings.batchingWindowSeconds + 1.5) * 1000;
const waitMs = 30_000;
const testTimeoutMs = 90_000;

let pipeline: LocalPipeline;
const observer = createObserver();
const { invocations, reports, problems } = observer;

useFixturePipeline(
  { prefix: 'trigger-fixture-', synth: (dir) => synthTriggerFixture(dir) },
  observer,
  (started) => {
    pipeline = started;
  },
);

const lane = (name: LaneName): Lane => resolveLane(pipeline, laneOutputs(name));
const send = (target: Lane, bodies: readonly (object | string)[]) =>
  sendBatch(
    pipeline,
    target.url,
    bodies.map((body) => ({ body })),
  );
const invocationsOf = (target: Lane) => invocationsIn(observer, target.arn);
const receiveCountsSeen = (messageId: string) => deliveries(observer, messageId);
const depth = (url: string) => depthOf(pipeline, url);
const statusOf = (target: Lane) => statusIn(pipeline, target.mapping);

/** The reports of the batches that first delivered these messages, once every one was delivered. */
const firstBatches = (ids: readonly string[]) =>
  waitFor(
    () => {
      const first = reports.filter((report) => ids.some((id) => report.receiveCounts.get(id) === 1));
      const covered = ids.every((id) => first.some((report) => report.receiveCounts.has(id)));
      return covered ? first : undefined;
    },
    { timeoutMs: waitMs, what: `the first batches of ${ids.length} messages` },
  );

const deliveredTwice = (ids: readonly string[]) =>
  waitFor(() => (ids.every((id) => receiveCountsSeen(id).length >= 2) ? true : undefined), {
    timeoutMs: waitMs,
    what: `a second delivery of ${ids.join(', ')}`,
  });

/** The messages among `ids` delivered again within the redelivery window (from now). */
const redeliveredSoon = (ids: readonly string[]) => {
  const until = Date.now() + redeliveryWindowMs;
  return waitFor(
    () => {
      const again = ids.filter((id) => receiveCountsSeen(id).length > 1);
      return again.length > 0 || Date.now() >= until ? again : undefined;
    },
    { timeoutMs: redeliveryWindowMs + waitMs, what: 'the redelivery window to pass' },
  );
};

/** Answers Lambda takes as success: every message of the batch is deleted. */
const successShapes: ResponseShape[] = ['emptyList', 'nullList', 'emptyObject', 'null', 'undefined'];

/** Answers that fail the whole batch, with what the batch report gives as the reason. */
const wholeBatchFailures: [ResponseShape, RegExp][] = [
  ['emptyId', /itemIdentifier "" is not in the batch/],
  ['nullId', /itemIdentifier null is not in the batch/],
  ['unknownId', /itemIdentifier "not-a-message-of-this-batch" is not in the batch/],
  ['badKey', /itemIdentifier undefined is not in the batch/],
  ['string', /not a JSON object/],
  ['notAList', /batchItemFailures is not a list/],
  ['throw', /Error: asked to fail/],
  ['timeout', /timed out/],
];

/** Runs one check per response shape at once (the shapes have lanes of their own); fails naming the shape. */
const eachShape = async <T>(shapes: readonly T[], check: (shape: T) => Promise<void>) => {
  const outcomes = await Promise.allSettled(shapes.map(check));
  const failed = outcomes.flatMap((outcome, index) =>
    outcome.status === 'rejected' ? [`${String(shapes[index])}: ${String(outcome.reason)}`] : [],
  );
  expect(failed).toEqual([]);
};

// The shapes of a kind run in one test each: vitest runs at most five tests of a file at once, and
// every shape waits out a visibility timeout.
describe.concurrent('SQS event source mapping with ReportBatchItemFailures', () => {
  it(
    `${successShapes.join(', ')}: each deletes every message of its batch, none comes back`,
    async () => {
      await eachShape(successShapes, async (shape) => {
        const target = lane(shape);
        const ids = await send(target, [{ respond: shape }, { respond: shape }, { respond: shape }]);

        const batches = await firstBatches(ids);
        expect(
          batches.map(({ verdict, size, deleted, retried }) => ({ verdict, size, deleted, retried })),
        ).toEqual([{ verdict: { kind: 'all-succeeded' }, size: 3, deleted: 3, retried: 0 }]);
        expect(await depth(target.url)).toEqual(empty);
        expect(await redeliveredSoon(ids)).toEqual([]);
        expect(ids.map(receiveCountsSeen)).toEqual([[1], [1], [1]]);
      });
    },
    testTimeoutMs,
  );

  it(
    'failures: only the listed record comes back, with receive count 2; the others are deleted',
    async () => {
      const target = lane('failures');
      const [first = '', failing = '', last = ''] = await send(target, [
        { respond: 'failures' },
        { respond: 'failures', fail: true },
        { respond: 'failures' },
      ]);

      const [batch] = await firstBatches([first, failing, last]);
      expect(batch).toMatchObject({
        verdict: { kind: 'partial', failed: [failing] },
        deleted: 2,
        retried: 1,
      });
      // Only the failed one is left, in flight or back already.
      const left = await depth(target.url);
      expect(left.visible + left.notVisible).toBe(1);

      await deliveredTwice([failing]);
      expect(receiveCountsSeen(failing)).toEqual([1, 2]);
      expect([receiveCountsSeen(first), receiveCountsSeen(last)]).toEqual([[1], [1]]);
      const retry = await waitFor(() => reports.find((report) => report.receiveCounts.get(failing) === 2), {
        timeoutMs: waitMs,
        what: 'the report of the retried batch',
      });
      expect([...retry.receiveCounts]).toEqual([[failing, 2]]);
    },
    testTimeoutMs,
  );

  it(
    `${wholeBatchFailures.map(([shape]) => shape).join(', ')}: each brings the whole batch back`,
    async () => {
      await eachShape(wholeBatchFailures, async ([shape, reason]) => {
        const target = lane(shape);
        const ids = await send(target, [{ respond: shape }, { respond: shape }, { respond: shape }]);

        const batches = await firstBatches(ids);
        expect(batches).toHaveLength(1);
        expect(batches[0]).toMatchObject({
          verdict: { kind: 'all-failed' },
          size: 3,
          deleted: 0,
          retried: 3,
        });
        expect(batches[0]?.verdict.kind === 'all-failed' && batches[0].verdict.reason).toMatch(reason);

        await deliveredTwice(ids);
        expect(ids.map(receiveCountsSeen)).toEqual([
          [1, 2],
          [1, 2],
          [1, 2],
        ]);
      });
    },
    testTimeoutMs,
  );
});

describe.concurrent('SQS event source mapping', () => {
  it(
    'without ReportBatchItemFailures deletes every message, whatever failures the function lists',
    async () => {
      const target = lane('unreported');
      const ids = await send(
        target,
        [1, 2, 3].map(() => ({ respond: 'failures', fail: true })),
      );

      const batches = await firstBatches(ids);
      expect(batches.map(({ verdict, deleted }) => ({ verdict, deleted }))).toEqual([
        { verdict: { kind: 'all-succeeded' }, deleted: 3 },
      ]);
      expect(await depth(target.url)).toEqual(empty);
      expect(await redeliveredSoon(ids)).toEqual([]);
    },
    testTimeoutMs,
  );

  it(
    'moves a record that keeps failing to the DLQ after maxReceiveCount, body intact, alone',
    async () => {
      const target = lane('redrive');
      const failingBody = JSON.stringify({ respond: 'failures', fail: true, note: 'çà ✓ "quoted" \\ <x/>' });
      const [first = '', failing = '', last = ''] = await send(target, [
        { respond: 'failures' },
        failingBody,
        { respond: 'failures' },
      ]);

      const dead = await waitFor(
        async () => {
          const { Messages } = await pipeline.clients.sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: target.dlqUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 1,
            }),
          );
          return Messages;
        },
        { timeoutMs: waitMs, what: 'a message in the DLQ' },
      );
      expect(dead.map(({ MessageId, Body, MD5OfBody }) => ({ MessageId, Body, MD5OfBody }))).toEqual([
        {
          MessageId: failing,
          Body: failingBody,
          MD5OfBody: createHash('md5').update(failingBody).digest('hex'),
        },
      ]);
      expect(receiveCountsSeen(failing)).toEqual(
        Array.from({ length: fixtureTimings.maxReceiveCount }, (_, index) => index + 1),
      );
      expect([receiveCountsSeen(first), receiveCountsSeen(last)]).toEqual([[1], [1]]);
      expect(await depth(target.url)).toEqual(empty);
    },
    testTimeoutMs,
  );

  it(
    'deletes the messages no filter matches without invoking the function',
    async () => {
      const target = lane('filtered');
      const [keepFirst = '', ...rest] = await send(target, [
        { kind: 'keep' },
        { kind: 'drop' },
        { kind: 'KEEP' },
        'kind keep',
        { other: 'keep' },
        { kind: 'keep' },
      ]);
      const keepLast = rest.pop() ?? '';

      const batches = await firstBatches([keepFirst, keepLast]);
      expect(batches.map(({ verdict, size }) => ({ verdict, size }))).toEqual([
        { verdict: { kind: 'all-succeeded' }, size: 2 },
      ]);
      expect(await depth(target.url)).toEqual(empty);
      expect(rest.map(receiveCountsSeen)).toEqual([[], [], [], []]);
      expect(await statusOf(target)).toMatchObject({
        filteredOut: 4,
        deleted: 2,
        invocations: 1,
        dlqDepth: 0,
      });
    },
    testTimeoutMs,
  );

  it(
    'gives the function the SQS event record and the Lambda context it would get on AWS',
    async () => {
      const target = lane('echo');
      const body = 'plain text, not JSON: héllo ✓ & <xml/>\n\ttabbed';
      const blob = Uint8Array.from([0, 1, 2, 250, 255]);
      const before = Date.now();
      const sent = await pipeline.clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: target.url,
          MessageBody: body,
          MessageAttributes: {
            trace: { DataType: 'String', StringValue: 'abc-123' },
            count: { DataType: 'Number', StringValue: '42' },
            blob: { DataType: 'Binary', BinaryValue: blob },
          },
        }),
      );
      const after = Date.now();
      const messageId = sent.MessageId ?? '';

      const invocation = await waitFor(
        () => [...invocations.values()].find((seen) => seen.records[0]?.messageId === messageId),
        { timeoutMs: waitMs, what: 'the invocation with the echoed record' },
      );
      const noLists = { stringListValues: [], binaryListValues: [] };
      expect(invocation.records).toEqual([
        {
          messageId,
          receiptHandle: expect.stringMatching(/.+/),
          body,
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: expect.stringMatching(/^\d{13}$/),
            SenderId: expect.stringMatching(/.+/),
            ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
          },
          messageAttributes: {
            trace: { stringValue: 'abc-123', ...noLists, dataType: 'String' },
            count: { stringValue: '42', ...noLists, dataType: 'Number' },
            blob: { binaryValue: Buffer.from(blob).toString('base64'), ...noLists, dataType: 'Binary' },
          },
          md5OfBody: createHash('md5').update(body).digest('hex'),
          md5OfMessageAttributes: sent.MD5OfMessageAttributes,
          eventSource: 'aws:sqs',
          eventSourceARN: target.arn,
          awsRegion: pipeline.region,
        },
      ]);
      const [record] = invocation.records;
      const sentAt = Number(record?.attributes.SentTimestamp);
      expect(sentAt).toBeGreaterThanOrEqual(before);
      expect(sentAt).toBeLessThanOrEqual(after);
      expect(Number(record?.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(sentAt);
      expect(record?.md5OfBody).toBe(sent.MD5OfMessageBody);

      expect(invocation.functionName).toBe(pipeline.topology.outputs[functionOutput]);
      expect(invocation.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(invocation.remainingMs).toBeGreaterThan(0);
      expect(invocation.remainingMs).toBeLessThanOrEqual(fixtureTimings.functionTimeoutSeconds * 1000);
    },
    testTimeoutMs,
  );

  it(
    'cuts messages sent at once into ceil(N / batch size) batches',
    async () => {
      const target = lane('batched');
      const ids = await send(
        target,
        Array.from({ length: 10 }, (_, n) => ({ respond: 'emptyList', n })),
      );

      await firstBatches(ids);
      expect(
        invocationsOf(target)
          .map((invocation) => invocation.records.length)
          .sort((a, b) => a - b),
      ).toEqual([2, 4, 4]);
      expect(ids.map(receiveCountsSeen)).toEqual(ids.map(() => [1]));
    },
    testTimeoutMs,
  );

  it(
    'gathers messages sent one after another within the batching window into one batch',
    async () => {
      const target = lane('windowed');
      const ids: string[] = [];
      for (const n of [1, 2, 3]) {
        const sent = await pipeline.clients.sqs.send(
          new SendMessageCommand({ QueueUrl: target.url, MessageBody: JSON.stringify({ n }) }),
        );
        ids.push(sent.MessageId ?? '');
      }

      const batches = await firstBatches(ids);
      expect(batches.map(({ size }) => size)).toEqual([3]);
      expect(
        invocationsOf(target).map((invocation) => invocation.records.map((r) => r.messageId).sort()),
      ).toEqual([[...ids].sort()]);
    },
    testTimeoutMs,
  );

  it(
    'never runs more invocations at once than the mapping MaximumConcurrency',
    async () => {
      const target = lane('throttled');
      const ids = await send(
        target,
        Array.from({ length: 10 }, () => ({ respond: 'emptyList', sleepMs: 600 })),
      );

      const ended = await waitFor(
        () => {
          const seen = invocationsOf(target);
          const done = seen.filter((invocation) => invocation.endedAt !== undefined);
          return done.length >= 5 ? done : undefined;
        },
        { timeoutMs: waitMs, what: 'five invocations of two messages to end' },
      );
      expect(ended.map((invocation) => invocation.records.length)).toEqual([2, 2, 2, 2, 2]);
      expect(ids.map(receiveCountsSeen)).toEqual(ids.map(() => [1]));
      // One that ends as another starts does not run at the same time as it.
      expect(peakOverlap(ended)).toBe(2);
      // The event source deletes a batch's messages after the function returns.
      const status = await waitFor(
        async () => ((await statusOf(target)).deleted === 10 ? statusOf(target) : undefined),
        {
          timeoutMs: waitMs,
          what: 'ten messages deleted',
        },
      );
      expect(status).toMatchObject({ concurrency: 2, invocations: 5, deleted: 10 });
    },
    testTimeoutMs,
  );
});

it('reports no runtime error or warning along the way', () => {
  expect(problems).toEqual([]);
});
