/**
 * The local SQS event source mapping against what AWS documents, one test per behaviour, each
 * naming its page: filters, the record, the payload limit, the batching window, the visibility
 * timeout rule, FIFO batches. Each test has a queue of its own (a lane), so the tests run at once.
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { type LocalPipeline, sqsLimits } from '../../local/emulator';
import { fidelityTimings, type LaneName } from '../fixtures/fidelity-app/app';
import {
  deliveries,
  depth,
  emptyQueue,
  invocationsOf,
  peakOverlap,
  reportsOf,
  sendBatch,
  sendEach,
} from '../helpers/event-source';
import { useFidelityFixture } from '../helpers/fidelity';
import { waitFor } from '../helpers/wait';

const lanesHere: LaneName[] = [
  'filtered',
  'orFilter',
  'bare',
  'redriven',
  'bigPayload',
  'preciseWindow',
  'extendedVisibility',
  'fifoBatch',
  'fifoPartial',
  'fifoOrder',
];
const visibilityMs = fidelityTimings.visibilityTimeoutSeconds * 1000;
const waitMs = 30_000;
const testTimeoutMs = 60_000;

let pipeline: LocalPipeline;
const { observer, lane, statusOf } = useFidelityFixture('fidelity-fixture-', lanesHere, (started) => {
  pipeline = started;
});
const until = (at: number, what: string) =>
  waitFor(() => (Date.now() >= at ? true : undefined), { timeoutMs: at - Date.now() + waitMs, what });
const deliveredAll = (ids: readonly string[], times = 1) =>
  waitFor(() => (ids.every((id) => deliveries(observer, id).length >= times) ? true : undefined), {
    timeoutMs: waitMs,
    what: `${ids.length} messages delivered ${times} time(s)`,
  });
const recordOf = (messageId: string) =>
  waitFor(
    () => [...observer.invocations.values()].flatMap((i) => i.records).find((r) => r.messageId === messageId),
    { timeoutMs: waitMs, what: `the record of ${messageId}` },
  );

describe.concurrent('SQS event source mapping, as AWS documents it', () => {
  it(
    'deletes at once the messages no filter matches, with nothing else in the queue, and they never come back (Using event filtering with an Amazon SQS event source)',
    async () => {
      const target = lane('filtered');
      const sentAt = Date.now();
      const ids = await sendEach(pipeline, target.url, [
        { kind: 'drop' },
        { kind: 'KEEP' },
        'kind keep',
        { other: 'keep' },
        { kind: 'keeper' },
      ]);
      // Gone well before a visibility timeout could have passed: deleted, not left to expire.
      await waitFor(async () => ((await statusOf(target.mapping)).filteredOut === 5 ? true : undefined), {
        timeoutMs: visibilityMs - 500,
        intervalMs: 50,
        what: 'five messages filtered out',
      });
      expect(await depth(pipeline, target.url)).toEqual(emptyQueue);
      await until(sentAt + visibilityMs + 1_500, 'the visibility timeout to pass');
      expect(await statusOf(target.mapping)).toMatchObject({ filteredOut: 5, invocations: 0, dlqDepth: 0 });
      expect(await depth(pipeline, target.url)).toEqual(emptyQueue);
      expect(ids.map((id) => deliveries(observer, id))).toEqual(ids.map(() => []));
    },
    testTimeoutMs,
  );

  it(
    'matches $or branches and exists:false under a missing parent (Amazon EventBridge event patterns)',
    async () => {
      const target = lane('orFilter');
      const [kept, tagged, noMeta, noTag, plain] = await sendEach(pipeline, target.url, [
        { kind: 'keep', meta: { tag: 'x' } },
        { kind: 'drop', meta: { tag: 'x' } },
        { kind: 'drop' },
        { kind: 'drop', meta: {} },
        'not JSON, so no body field exists for the pattern',
      ]);
      await deliveredAll([kept, noMeta, noTag].map(String));
      await waitFor(async () => ((await statusOf(target.mapping)).filteredOut === 2 ? true : undefined), {
        timeoutMs: waitMs,
        what: 'two messages filtered out',
      });
      expect([tagged, plain].map((id) => deliveries(observer, String(id)))).toEqual([[], []]);
      expect([kept, noMeta, noTag].map((id) => deliveries(observer, String(id)))).toEqual([[1], [1], [1]]);
    },
    testTimeoutMs,
  );

  it(
    'gives md5OfMessageAttributes as null when a message has no attributes (Using Lambda with Amazon SQS: example event)',
    async () => {
      const [id = ''] = await sendEach(pipeline, lane('bare').url, ['no attributes at all']);
      const record = await recordOf(id);
      expect(record).toHaveProperty('md5OfMessageAttributes', null);
      expect(record.messageAttributes).toEqual({});
    },
    testTimeoutMs,
  );

  it(
    'passes DeadLetterQueueSourceArn through in the record of a message read from a DLQ (Using dead-letter queues in Amazon SQS)',
    async () => {
      const target = lane('redriven');
      const [id = ''] = await sendEach(pipeline, target.url, ['to be dead-lettered']);
      // No mapping reads the source queue: two receives with no visibility timeout exceed maxReceiveCount 1.
      for (let receive = 0; receive < 2; receive++) {
        await pipeline.clients.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: target.url, VisibilityTimeout: 0, WaitTimeSeconds: 1 }),
        );
      }
      const record = await recordOf(id);
      expect(record.eventSourceARN).toBe(target.dlqArn);
      expect(record.attributes.DeadLetterQueueSourceArn).toBe(target.arn);
    },
    testTimeoutMs,
  );

  it(
    'stops a batch from growing before its payload would pass 6 MB (Lambda quotas: invocation payload)',
    async () => {
      const target = lane('bigPayload');
      const body = 'x'.repeat(240_000);
      const ids = await Promise.all(Array.from({ length: 30 }, () => sendEach(pipeline, target.url, [body])));
      await deliveredAll(ids.flat());
      const invoked = invocationsOf(observer, target.arn);
      const payloads = invoked.map((invocation) => invocation.payloadBytes ?? Number.NaN);
      expect(Math.max(...payloads)).toBeLessThanOrEqual(sqsLimits.invocationPayloadBytes);
      // A batch grew to within one record of the limit: the limit, not the batch size of 100, cut it.
      expect(Math.max(...payloads)).toBeGreaterThan(sqsLimits.invocationPayloadBytes - 250_000);
      expect(invoked.reduce((sum, invocation) => sum + invocation.records.length, 0)).toBe(30);
      expect(ids.flat().map((id) => deliveries(observer, id))).toEqual(ids.map(() => [1]));
    },
    testTimeoutMs,
  );

  it(
    'keeps the batching window to the millisecond, gathering what arrives late in it (Using Lambda with Amazon SQS: batching window)',
    async () => {
      const target = lane('preciseWindow');
      const [first = ''] = await sendEach(pipeline, target.url, [{ n: 1 }]);
      const heldAt = await waitFor(
        async () => ((await depth(pipeline, target.url)).notVisible === 1 ? Date.now() : undefined),
        { timeoutMs: waitMs, intervalMs: 10, what: 'the first message to be received' },
      );
      await until(heldAt + 600, 'six tenths of the window');
      const [late = ''] = await sendEach(pipeline, target.url, [{ n: 2 }]);
      const [batch] = await waitFor(
        () =>
          reportsOf(observer, target.mapping).length > 0 ? reportsOf(observer, target.mapping) : undefined,
        {
          timeoutMs: waitMs,
          what: 'the batch',
        },
      );
      expect([...(batch?.receiveCounts.keys() ?? [])]).toEqual([first, late]);
      const firstReceived = Number((await recordOf(first)).attributes.ApproximateFirstReceiveTimestamp);
      const gathered = (batch?.startedAt ?? 0) - firstReceived;
      expect(gathered).toBeGreaterThanOrEqual(1_000);
      // Rounding the window's remainder up to a whole second would have held it until about 1.6 s.
      expect(gathered).toBeLessThan(1_250);
    },
    testTimeoutMs,
  );

  it(
    'extends the visibility of held messages to window + timeout + 30 s when those pass the queue visibility timeout (Creating and configuring an Amazon SQS event source mapping)',
    async () => {
      const target = lane('extendedVisibility');
      const [slow = '', failing = ''] = await sendBatch(pipeline, target.url, [
        { body: { sleepMs: 1_500 } },
        { body: { failOnReceive: 1 } },
      ]);
      const firstReceived = Number((await recordOf(slow)).attributes.ApproximateFirstReceiveTimestamp);
      // Window 2 s + run 1.5 s outlast the queue's 3 s: without the extension both would be delivered again.
      await until(firstReceived + 6_000, 'twice the queue visibility timeout');
      expect([deliveries(observer, slow), deliveries(observer, failing)]).toEqual([[1], [1]]);
      expect(await depth(pipeline, target.url)).toEqual({ visible: 0, notVisible: 1 });
    },
    testTimeoutMs,
  );

  it(
    'delivers up to 10 messages of one message group in one batch, in order (Configuring scaling behavior for SQS event source mappings: FIFO)',
    async () => {
      const target = lane('fifoBatch');
      const ids = await sendBatch(
        pipeline,
        target.url,
        Array.from({ length: 10 }, (_, n) => ({ body: { n }, groupId: 'g' })),
      );
      await deliveredAll(ids);
      expect(invocationsOf(observer, target.arn).map((i) => i.records.map((r) => r.messageId))).toEqual([
        ids,
      ]);
    },
    testTimeoutMs,
  );

  it(
    'on a FIFO partial failure brings back the failed message and the rest of its group, in order (Handling errors for an SQS event source in Lambda)',
    async () => {
      const target = lane('fifoPartial');
      const ids = await sendBatch(
        pipeline,
        target.url,
        [1, 2, 3, 4, 5].map((n) => ({ body: n === 3 ? { n, failOnReceive: 1 } : { n }, groupId: 'g' })),
      );
      const [m1 = '', m2 = '', m3 = '', m4 = '', m5 = ''] = ids;
      await deliveredAll(ids);
      await deliveredAll([m3], 2);
      const batches = invocationsOf(observer, target.arn).map((i) =>
        i.records.map((r) => [r.messageId, r.attributes.ApproximateReceiveCount]),
      );
      expect(batches).toEqual([ids.map((id) => [id, '1']), [m3, m4, m5].map((id) => [id, '2'])]);
      expect([deliveries(observer, m1), deliveries(observer, m2)]).toEqual([[1], [1]]);
    },
    testTimeoutMs,
  );

  it(
    'delivers each message group in order, one batch of a group at a time (Using Lambda with Amazon SQS: FIFO queues)',
    async () => {
      const target = lane('fifoOrder');
      const sent = Array.from({ length: 10 }, (_, n) => ({ body: { n }, groupId: n % 2 === 0 ? 'a' : 'b' }));
      const ids = await sendBatch(pipeline, target.url, sent);
      await deliveredAll(ids);
      const invoked = invocationsOf(observer, target.arn);
      for (const group of ['a', 'b']) {
        const inGroup = ids.filter((_, index) => sent[index]?.groupId === group);
        const seen = invoked.flatMap((i) => i.records.filter((r) => r.attributes.MessageGroupId === group));
        expect(seen.map((record) => record.messageId)).toEqual(inGroup);
        const holding = invoked.filter((i) => i.records.some((r) => r.attributes.MessageGroupId === group));
        expect(peakOverlap(holding)).toBe(1);
      }
      expect(ids.map((id) => deliveries(observer, id))).toEqual(ids.map(() => [1]));
    },
    testTimeoutMs,
  );
});

it('reports no runtime error or warning along the way', () => {
  expect(observer.problems).toEqual([]);
});
