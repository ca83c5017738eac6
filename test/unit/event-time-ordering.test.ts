/**
 * S3 events without `s3.object.sequencer` (moto sends none) are ordered by their eventTime instead
 * of being recorded as unreadable. "Event message structure" (Amazon S3 User Guide) names the
 * sequencer as the way to order events of a key; eventTime is "when Amazon S3 finished processing
 * the request", written to the millisecond.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { S3EventRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processBatch, type Stage } from '../../lambdas/shared/batch';
import { MalformedMessageError } from '../../lambdas/shared/errors';
import { type ImageEvent, imageIdOf, parseMessage } from '../../lambdas/shared/events';
import { ImageTable, stageKey } from '../../lambdas/shared/store';
import { startTestAws, type TestAws } from '../helpers/aws';
import { s3Event, s3Record, sqsRecord } from '../helpers/events';

/** The record moto sends: no sequencer, eventTime in microseconds and without a zone. */
const motoRecord = (key: string, eventTime: string, eventName = 'ObjectCreated:Put'): S3EventRecord => {
  const record = s3Record({ key, eventName, eventTime });
  const { sequencer: _none, ...object } = record.s3.object;
  return { ...record, s3: { ...record.s3, object: object as S3EventRecord['s3']['object'] } };
};

const eventOf = (record: S3EventRecord): ImageEvent => {
  const parsed = parseMessage({ body: JSON.stringify(s3Event(record)) });
  if (parsed.type !== 'events' || parsed.events[0] === undefined) throw new Error('no event');
  return parsed.events[0];
};

describe('events without an S3 sequencer', () => {
  it('are read, ordered by eventTime to the microsecond moto writes, and marked as time-ordered', () => {
    const first = eventOf(motoRecord('uploads/u/a.jpg', '2026-12-02T01:02:03.123456'));
    const next = eventOf(motoRecord('uploads/u/a.jpg', '2026-12-02T01:02:03.123457'));
    expect(first).toMatchObject({ kind: 'created', key: 'uploads/u/a.jpg', orderedBy: 'event-time' });
    expect(first.sequencer < next.sequencer).toBe(true);
    expect(first.sequencer).toHaveLength(32);
  });

  it("order S3's millisecond times with and without a zone alike, and cannot order two events in one tick", () => {
    const utc = eventOf(motoRecord('uploads/u/b.jpg', '2026-12-02T01:02:03.123Z'));
    const offset = eventOf(motoRecord('uploads/u/b.jpg', '2026-12-02T02:02:03.123+01:00'));
    const bare = eventOf(motoRecord('uploads/u/b.jpg', '2026-12-02T01:02:03.123'));
    expect(offset.sequencer).toBe(utc.sequencer);
    expect(bare.sequencer).toBe(utc.sequencer);
    const later = eventOf(motoRecord('uploads/u/b.jpg', '2026-12-02T01:02:03.124Z', 'ObjectRemoved:Delete'));
    expect(later.sequencer > utc.sequencer).toBe(true);
  });

  it('count as older than any event that carries a real sequencer', () => {
    const timed = eventOf(motoRecord('uploads/u/c.jpg', '2099-12-31T23:59:59.999999'));
    const real = eventOf(s3Record({ key: 'uploads/u/c.jpg', sequencer: '0055AED6DCD90281E5' }));
    expect(real.sequencer > timed.sequencer).toBe(true);
    expect(real.orderedBy).toBeUndefined();
  });

  it('are unreadable only when the eventTime is missing or not a time, and say so', () => {
    const record = motoRecord('uploads/u/d.jpg', 'yesterday');
    expect(() => eventOf(record)).toThrow(MalformedMessageError);
    expect(() => eventOf(record)).toThrow(/no sequencer and no eventTime/);
  });
});

describe('a batch of events without sequencers', () => {
  let aws: TestAws;
  const warnings: { message: string; details: unknown }[] = [];
  const logger = {
    info() {},
    error() {},
    warn(message: string, details?: unknown) {
      warnings.push({ message, details });
    },
  };
  const work: ImageEvent[] = [];
  const stage: Stage<object> = {
    consumer: 'metadata',
    async created({ event }) {
      work.push(event);
      return { data: {} };
    },
  };

  beforeAll(async () => {
    aws = await startTestAws();
  });
  afterAll(() => aws.stop());

  it('keeps the later event of a key, and logs one warning for the whole batch', async () => {
    const key = 'uploads/u/moto.jpg';
    const records = [
      motoRecord(key, '2026-12-02T01:02:04.000002', 'ObjectRemoved:Delete'),
      motoRecord(key, '2026-12-02T01:02:04.000001'),
      motoRecord('uploads/u/other.jpg', '2026-12-02T01:02:04.000003'),
    ].map((record) => sqsRecord(s3Event(record)));
    const table = new ImageTable(aws.dynamo, aws.tableName);
    const options = { recordConcurrency: 2, flushReserveMs: 0, tombstoneTtlSeconds: 60 };
    const { response, summary } = await processBatch(records, stage, { table, logger }, options);

    expect(response.batchItemFailures).toEqual([]);
    expect(summary).toMatchObject({ rejected: 0 });
    // The later event of the key, a delete, wins; a removal needs no stage work.
    expect(work.map((event) => [event.key, event.kind])).toEqual([['uploads/u/other.jpg', 'created']]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/ordered by eventTime/);
    expect(warnings[0]?.details).toMatchObject({ events: 2 });
    const stored = await aws.dynamo.send(
      new GetCommand({
        TableName: aws.tableName,
        Key: stageKey(imageIdOf('uploads', key), 'metadata'),
      }),
    );
    expect(stored.Item).toMatchObject({ status: 'deleted' });
  });
});
