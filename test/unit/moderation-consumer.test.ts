import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModerationData } from '../../lambdas/moderation/stage';
import { notAnImage, photoJpeg, pngPixelBomb, webpImage } from '../../samples/images';
import { startTestAws, type TestAws } from '../helpers/aws';
import { batch, consumerHandlers, removal, stageRecord, upload } from '../helpers/consumers';

describe('moderation consumer (offline classifier)', () => {
  let aws: TestAws;
  let handle: ReturnType<typeof consumerHandlers>['moderation'];

  beforeAll(async () => {
    aws = await startTestAws();
    handle = consumerHandlers(aws).moderation;
  });
  afterAll(() => aws.stop());

  it('records a verdict with the labels and the provider that gave it', async () => {
    const records = [
      await upload(aws, 'uploads/alice/landscape.jpg', await photoJpeg({ seed: 5 })),
      await upload(aws, 'uploads/alice/small.webp', await webpImage()),
    ];
    expect((await handle(batch(...records))).batchItemFailures).toEqual([]);
    for (const key of ['uploads/alice/landscape.jpg', 'uploads/alice/small.webp']) {
      const record = await stageRecord<ModerationData>(aws, 'moderation', key);
      expect(record?.status).toBe('processed');
      expect(record?.data).toMatchObject({ provider: 'offline', model: 'nsfwjs-mobilenet_v2' });
      expect(['allowed', 'review', 'flagged']).toContain(record?.data?.verdict);
      expect(record?.data?.labels.map((label) => label.name).sort()).toEqual([
        'Drawing',
        'Hentai',
        'Neutral',
        'Porn',
        'Sexy',
      ]);
    }
  });

  it('rejects what is not an image or is too large to decode, and never classifies it', async () => {
    const records = [
      await upload(aws, 'uploads/mallory/fake.jpg', notAnImage('html')),
      await upload(aws, 'uploads/mallory/bomb.png', pngPixelBomb()),
    ];
    expect((await handle(batch(...records))).batchItemFailures).toEqual([]);
    expect(await stageRecord(aws, 'moderation', 'uploads/mallory/fake.jpg')).toMatchObject({
      status: 'rejected',
      reasonCode: 'not-an-image',
    });
    expect(await stageRecord(aws, 'moderation', 'uploads/mallory/bomb.png')).toMatchObject({
      status: 'rejected',
      reasonCode: 'too-many-pixels',
    });
  });

  it('forgets the verdict when the upload is deleted', async () => {
    await handle(batch(removal(aws, 'uploads/alice/landscape.jpg')));
    const record = await stageRecord<ModerationData>(aws, 'moderation', 'uploads/alice/landscape.jpg');
    expect(record?.status).toBe('deleted');
    expect(record?.data).toBeUndefined();
  });
});
