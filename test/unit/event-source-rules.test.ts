/**
 * The event source's rules as pure functions, where an integration test cannot reach them (yet) or
 * would need minutes: FIFO partial failures, the scaling pace, filter matching and syntax.
 */
import type { Message } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { sqsScaling } from '../../local/emulator';
import { withRestOfGroups } from '../../local/emulator/event-source/fifo';
import { matchesPattern, passesFilters } from '../../local/emulator/event-source/filter';
import { sqsPatternProblem } from '../../local/emulator/event-source/filter-syntax';
import { BatchGatherer } from '../../local/emulator/event-source/gather';
import type { QueuePort } from '../../local/emulator/event-source/queue';
import { holdMessage } from '../../local/emulator/event-source/records';
import { batchOutcomes, ConcurrencyScaler } from '../../local/emulator/event-source/scaling';

const fifoMessage = (id: string, group: string): Message => ({
  MessageId: id,
  ReceiptHandle: `handle-${id}`,
  Body: JSON.stringify({ id }),
  MD5OfBody: 'md5',
  Attributes: { MessageGroupId: group, ApproximateReceiveCount: '1' },
});
const queueArn = 'arn:aws:sqs:us-east-1:000000000000:orders.fifo';

describe('FIFO partial failures (Handling errors for an SQS event source in Lambda)', () => {
  it('leaves the failed message and the rest of its group, deleting the group before it and other groups', () => {
    const batch = [
      ['a1', 'a'],
      ['b1', 'b'],
      ['a2', 'a'],
      ['a3', 'a'],
      ['b2', 'b'],
      ['a4', 'a'],
    ].map(([id = '', group = '']) => holdMessage(fifoMessage(id, group), queueArn, 'us-east-1'));
    expect([...withRestOfGroups(batch, new Set(['a2']))]).toEqual(['a2', 'a3', 'a4']);
    expect([...withRestOfGroups(batch, new Set(['a3', 'b1']))]).toEqual(['b1', 'a3', 'b2', 'a4']);
    expect([...withRestOfGroups(batch, new Set())]).toEqual([]);
  });
});

describe('scaling pace (Configuring scaling behavior for SQS event source mappings)', () => {
  const clock = () => {
    let now = 0;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('starts at five, adds one per 200 ms while full batches keep every slot busy, never past the ceiling', () => {
    const time = clock();
    const scaler = new ConcurrencyScaler({ ceiling: 7, now: time.now });
    expect(scaler.allowed).toBe(sqsScaling.initialConcurrency);
    scaler.observeGather(10, true);
    expect(scaler.tick(5)).toBe(false);
    time.advance(199);
    expect(scaler.tick(5)).toBe(false);
    time.advance(1);
    expect(scaler.tick(4)).toBe(false);
    expect(scaler.tick(5)).toBe(true);
    expect(scaler.allowed).toBe(6);
    time.advance(200);
    scaler.tick(6);
    time.advance(200);
    expect(scaler.tick(7)).toBe(false);
    expect(scaler.allowed).toBe(7);
  });

  it('halves on a function error or a throttle, grows again only after a success, and returns to five when idle', () => {
    const time = clock();
    const scaler = new ConcurrencyScaler({ ceiling: 20, initial: 8, now: time.now });
    scaler.observeGather(1, true);
    scaler.observeOutcome(batchOutcomes.functionError);
    expect(scaler.allowed).toBe(4);
    scaler.observeOutcome(batchOutcomes.throttled);
    scaler.observeOutcome(batchOutcomes.throttled);
    scaler.observeOutcome(batchOutcomes.functionError);
    expect(scaler.allowed).toBe(1);
    time.advance(1_000);
    expect(scaler.tick(1)).toBe(false);
    scaler.observeGather(0, false);
    expect(scaler.allowed).toBe(1);
    scaler.observeOutcome(batchOutcomes.succeeded);
    scaler.observeGather(1, true);
    time.advance(200);
    expect(scaler.tick(1)).toBe(true);
    scaler.observeGather(0, false);
    expect(scaler.allowed).toBe(8);
  });
});

describe('filter patterns (Amazon EventBridge event patterns)', () => {
  const record = (body: string) => holdMessage({ MessageId: 'm', Body: body }, queueArn, 'us-east-1').record;

  it('matches any $or branch, at the top or nested', () => {
    const pattern = { body: { $or: [{ kind: ['a'] }, { size: [{ numeric: ['>', 10] }] }] } };
    expect(passesFilters([pattern], record('{"kind":"a"}'))).toBe(true);
    expect(passesFilters([pattern], record('{"kind":"b","size":11}'))).toBe(true);
    expect(passesFilters([pattern], record('{"kind":"b","size":10}'))).toBe(false);
    expect(matchesPattern({ $or: [{ a: [1] }, { b: [2] }] }, { b: 2 })).toBe(true);
  });

  it('takes exists:false to hold under a missing parent, and a plain body to fail a JSON pattern', () => {
    const pattern = { body: { meta: { tag: [{ exists: false }] } } };
    expect(passesFilters([pattern], record('{"kind":"a"}'))).toBe(true);
    expect(passesFilters([pattern], record('{"meta":{}}'))).toBe(true);
    expect(passesFilters([pattern], record('{"meta":{"tag":"x"}}'))).toBe(false);
    expect(passesFilters([pattern], record('plain text'))).toBe(false);
  });

  it('accepts EventBridge syntax on message fields and names what it refuses', () => {
    const valid = [
      { body: { kind: ['a', 'b'], size: [{ numeric: ['>=', 1, '<', 5] }] } },
      {
        attributes: { MessageGroupId: [{ prefix: 'g-' }] },
        messageAttributes: { trace: { dataType: ['String'] } },
      },
      { body: { $or: [{ kind: [{ 'anything-but': ['x'] }] }, { tag: [{ exists: false }] }] } },
      { body: { name: [{ suffix: { 'equals-ignore-case': '.JPG' } }, { wildcard: 'img-*' }, null] } },
    ];
    expect(valid.map(sqsPatternProblem)).toEqual(valid.map(() => undefined));
    expect(sqsPatternProblem({ eventSourceARN: ['arn'] })).toMatch(/eventSourceARN is not a message field/);
    expect(sqsPatternProblem({ body: { kind: 'a' } })).toMatch(/body\.kind must be a non-empty list/);
    expect(sqsPatternProblem({ body: { kind: [] } })).toMatch(/non-empty list/);
    expect(sqsPatternProblem({ body: { n: [{ numeric: ['>', 'x'] }] } })).toMatch(/numeric operand/);
    expect(sqsPatternProblem({ body: { n: [{ exists: 'yes' }] } })).toMatch(/exists takes true or false/);
    expect(sqsPatternProblem('{"body"')).toMatch(/not a JSON object/);
  });
});

describe('the batching window (Using Lambda with Amazon SQS: batching behavior)', () => {
  const message = (id: number): Message => ({
    MessageId: `m${id}`,
    ReceiptHandle: `handle-${id}`,
    Body: JSON.stringify({ id }),
    MD5OfBody: 'md5',
    Attributes: { ApproximateReceiveCount: '1' },
  });
  /** A queue in memory: a receive takes a few milliseconds, as a call does, and up to `max` of what is waiting. */
  const queueOf = (waiting: Message[]): QueuePort => ({
    receive: async (max) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return waiting.splice(0, max);
    },
    delete: async () => undefined,
    changeVisibility: async () => undefined,
  });
  const gathererFor = (queue: QueuePort) =>
    new BatchGatherer({
      queue,
      settings: {
        batchSize: 25,
        windowMs: 1000,
        fifo: false,
        visibilityTimeoutSeconds: 30,
        payloadLimitBytes: 6 * 1024 * 1024,
        functionTimeoutSeconds: 10,
      },
      hold: (m) => holdMessage(m, 'arn:aws:sqs:us-east-1:000000000000:q', 'us-east-1'),
      accepts: () => true,
      isRunning: () => true,
      signal: new AbortController().signal,
      onFilteredOut: () => undefined,
    });

  it('invokes as soon as the batch is full when the queue already holds enough, not at the end of the window', async () => {
    const started = Date.now();
    const batch = await gathererFor(queueOf(Array.from({ length: 30 }, (_, i) => message(i)))).gather();
    expect(batch.messages).toHaveLength(25);
    expect(batch.full).toBe(true);
    // The window is 1 s; a full batch from a queue in memory is there at once.
    expect(Date.now() - started).toBeLessThan(800);
  });

  it('waits out the window once the queue is drained, and takes what arrived meanwhile', async () => {
    const waiting = Array.from({ length: 12 }, (_, i) => message(i));
    const started = Date.now();
    setTimeout(() => waiting.push(message(100), message(101), message(102)), 500);
    const batch = await gathererFor(queueOf(waiting)).gather();
    expect(batch.messages.map((held) => held.message.MessageId)).toContain('m102');
    expect(batch.messages).toHaveLength(15);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
  });
});
