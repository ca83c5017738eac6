/**
 * The consistency claim, checked against a model (issue 9): fast-check generates schedules over a
 * few keys of a versioned bucket (uploads, overwrites with other content, deletes, purges of old
 * versions, undeletes, reprocess requests); the resulting messages reach concurrent invocations of
 * every consumer duplicated and reordered, through throttling, 5xx, UnprocessedItems, slow writes,
 * lost commit answers and deadlines; every retry is drained; then, for every key and consumer, the
 * stored state must equal what the key's newest event alone produces.
 *
 * `npm test` runs a fixed set of seeds; `MODEL_RUNS=500 MODEL_SEED=7 npm run test:model` runs as many as you like.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { photoJpeg } from '../../samples/images';
import { startTestAws, type TestAws } from '../helpers/aws';
import { deliverAll } from '../helpers/model/delivery';
import { type ContentExpectation, consistencyProblems, expectationsOf } from '../helpers/model/oracle';
import { describeSchedule, type Schedule, schedules } from '../helpers/model/schedule';
import { playSchedule } from '../helpers/model/world';
import { recordObjectEvents } from '../helpers/object-events';

const runs = Number(process.env.MODEL_RUNS ?? 6);
const seed = Number(process.env.MODEL_SEED ?? 20_261_202);

describe('every image ends in exactly the state of its newest event', () => {
  let aws: TestAws;
  let events: ReturnType<typeof recordObjectEvents>;
  let contents: Buffer[];
  let expectations: ContentExpectation[];
  let run = 0;

  beforeAll(async () => {
    aws = await startTestAws({ versionedUploads: true });
    events = recordObjectEvents(aws);
    contents = await Promise.all([
      photoJpeg({ seed: 101, width: 96, height: 64 }),
      photoJpeg({ seed: 102, width: 64, height: 96 }),
      photoJpeg({ seed: 103, width: 80, height: 80 }),
    ]);
    expectations = await expectationsOf(contents);
  });
  afterAll(() => aws.stop());

  const check = async (schedule: Schedule) => {
    const prefix = `uploads/model${++run}/`;
    const played = await playSchedule(
      { s3: aws.s3, name: aws.uploadsBucket, events, contents },
      schedule,
      (index) => `${prefix}photo key${index}.jpg`,
    );
    const undrained = await deliverAll(aws, played.messages, schedule.delivery);
    const problems = [
      ...Object.entries(undrained).map(([consumer, left]) => `${consumer}: ${left} messages never drained`),
      ...(await consistencyProblems(aws, played, contents, expectations)),
    ];
    if (problems.length > 0)
      throw new Error(`${problems.join('\n')}\nschedule:\n${describeSchedule(schedule)}`);
  };

  it(
    `holds for ${runs} generated schedules (seed ${seed})`,
    async () => {
      await fc.assert(fc.asyncProperty(schedules(), check), { seed, numRuns: runs, endOnFailure: true });
    },
    60_000 + runs * 20_000,
  );
});
