/**
 * The commits of a batch go together: one TransactWriteItems for the images ready at once, each
 * conditional on its own record; a conflict on one image cancels the group, and the others are
 * committed again without it.
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommitQueue } from '../../lambdas/shared/batch/commit-queue';
import { type CommitPlan, ImageTable, type StageRecord, stageKey } from '../../lambdas/shared/store';
import { photoJpeg } from '../../samples/images';
import { startTestAws, type TestAws } from '../helpers/aws';
import { stageRecord, upload } from '../helpers/consumers';
import { isolatedConsumer } from '../helpers/isolated';

const record = (imageId: string, commitId: string): StageRecord => ({
  ...stageKey(imageId, 'metadata'),
  imageId,
  consumer: 'metadata',
  bucket: 'uploads',
  key: `uploads/g/${imageId}.jpg`,
  status: 'processed',
  sequencer: '1'.padStart(32, '0'),
  eventTime: '2026-12-02T00:00:00.000Z',
  updatedAt: '2026-12-02T00:00:00.000Z',
  commitId,
  derivedKeys: [],
});
const plan = (imageId: string, commitId: string, expected?: StageRecord): CommitPlan => ({
  record: record(imageId, commitId),
  items: [],
  deletes: [],
  expected,
});

describe('grouped commits', () => {
  let aws: TestAws;
  let table: ImageTable;

  beforeAll(async () => {
    aws = await startTestAws();
    table = new ImageTable(aws.dynamo, aws.tableName);
  });
  afterAll(() => aws.stop());

  it('commits the others of a group when one plan conflicts, and says which one did', async () => {
    await table.commit(plan('taken', 'first'));
    const signal = new AbortController().signal;
    setMaxListeners(0, signal);
    const queue = createCommitQueue(table, { inFlight: 1, signal });
    const results = await Promise.all([
      queue.commit(plan('fresh-1', 'a')),
      queue.commit(plan('taken', 'second')),
      queue.commit(plan('fresh-2', 'b')),
    ]);
    expect(results).toEqual(['committed', 'conflict', 'committed']);
    expect((await table.getStage('metadata', 'taken'))?.commitId).toBe('first');
    expect((await table.getStage('metadata', 'fresh-2'))?.commitId).toBe('b');
  });

  it('sends a full group while the batch is still gathering, and the rest when it is released', async () => {
    const signal = new AbortController().signal;
    setMaxListeners(0, signal);
    let gathering = true;
    const queue = createCommitQueue(table, { inFlight: 1, signal, gathering: () => gathering });
    const commits = Array.from({ length: 150 }, (_, i) => queue.commit(plan(`many-${i}`, `c${i}`)));
    const settled = commits.map((commit) => commit.then(() => true));
    const pending = () =>
      Promise.race([Promise.all(settled.slice(0, 100)), sleep(10_000).then(() => 'late')]);
    expect(await pending()).not.toBe('late');
    expect(await table.getStage('metadata', 'many-99')).toBeDefined();
    expect(await table.getStage('metadata', 'many-100')).toBeUndefined();
    gathering = false;
    queue.release();
    expect(new Set(await Promise.all(commits))).toEqual(new Set(['committed']));
    expect((await table.getStage('metadata', 'many-149'))?.commitId).toBe('c149');
  });

  it('commits a batch of ten images in a few requests, not ten', async () => {
    const metadata = isolatedConsumer(aws, 'metadata', { recordConcurrency: 8 });
    try {
      const keys = Array.from({ length: 10 }, (_, i) => `uploads/g/grouped ${i}.jpg`);
      const messages = await Promise.all(
        keys.map(async (key, i) =>
          upload(aws, key, await photoJpeg({ seed: 300 + i, width: 64, height: 48 })),
        ),
      );
      const { response } = await metadata.run(messages);
      expect(response.batchItemFailures).toEqual([]);
      const commits = metadata.dynamoFaults.seen.filter((request) =>
        /^(PutItem|TransactWriteItems)Command$/.test(request.operation),
      );
      expect(commits.length).toBeLessThanOrEqual(4);
      for (const key of keys) expect((await stageRecord(aws, 'metadata', key))?.status).toBe('processed');
    } finally {
      metadata.destroy();
    }
  });
});
