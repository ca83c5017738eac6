import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageSearch } from '../../lambdas/indexing/search';
import type { IndexingData } from '../../lambdas/indexing/stage';
import { ownerOf, tokensOf } from '../../lambdas/indexing/terms';
import { imageIdOf } from '../../lambdas/shared/events';
import { ImageTable } from '../../lambdas/shared/store';
import { photoJpeg, truncatedJpeg } from '../../samples/images';
import { startTestAws, type TestAws } from '../helpers/aws';
import { batch, consumerHandlers, removal, stageRecord, upload } from '../helpers/consumers';

describe('search terms', () => {
  it.each([
    ['uploads/alice/photo.jpg', 'alice'],
    ['uploads/alice/2024/06/photo.jpg', 'alice'],
    ['uploads/photo.jpg', 'anonymous'],
  ])('takes the owner of %s from the first folder', (key, owner) => {
    expect(ownerOf(key)).toBe(owner);
  });

  it('takes tokens from folders below the owner, the file name and user metadata', () => {
    expect(
      tokensOf('uploads/alice/Summer Trip/BeachSunset_2024-06.JPG', { tags: 'Holiday, Mallorca' }),
    ).toEqual(['summer', 'trip', 'beach', 'sunset', '2024', '06', 'holiday', 'mallorca']);
  });

  it('folds accents and keeps non-Latin words', () => {
    expect(tokensOf('uploads/bob/Café Über 東京.png')).toEqual(['cafe', 'uber', '東京']);
  });
});

describe('indexing consumer', () => {
  let aws: TestAws;
  let handle: ReturnType<typeof consumerHandlers>['indexing'];
  let search: ImageSearch;

  beforeAll(async () => {
    aws = await startTestAws();
    handle = consumerHandlers(aws).indexing;
    search = new ImageSearch(aws.dynamo, aws.tableName);
  });
  afterAll(() => aws.stop());

  const index = async (key: string, body: Buffer, metadata?: Record<string, string>) => {
    const response = await handle(batch(await upload(aws, key, body, { metadata })));
    expect(response.batchItemFailures).toEqual([]);
  };
  const keys = (hits: { key: string }[]) => hits.map((hit) => hit.key);

  it('finds images by owner (newest first, within a time range) and by token', async () => {
    await index('uploads/carol/first beach.jpg', await photoJpeg({ seed: 11 }));
    await index('uploads/carol/second beach.jpg', await photoJpeg({ seed: 12 }), { tags: 'mallorca' });
    await index('uploads/dave/beach.jpg', await photoJpeg({ seed: 13 }));

    expect(keys(await search.byOwner('carol'))).toEqual([
      'uploads/carol/second beach.jpg',
      'uploads/carol/first beach.jpg',
    ]);
    expect(keys(await search.byOwner('carol', { limit: 1 }))).toEqual(['uploads/carol/second beach.jpg']);
    expect(await search.byOwner('carol', { from: '2000-01-01', to: '2000-12-31' })).toEqual([]);
    expect(keys(await search.byToken('Beach')).sort()).toEqual([
      'uploads/carol/first beach.jpg',
      'uploads/carol/second beach.jpg',
      'uploads/dave/beach.jpg',
    ]);
    expect(keys(await search.byToken('mallorca'))).toEqual(['uploads/carol/second beach.jpg']);
  });

  it('finds near-duplicates by perceptual hash, and not different images', async () => {
    const original = await photoJpeg({ seed: 21, width: 1600, height: 1200 });
    const smaller = await sharp(original).resize(800).jpeg({ quality: 60 }).toBuffer();
    await index('uploads/erin/original.jpg', original);
    await index('uploads/erin/copy-small.jpg', smaller);
    await index('uploads/erin/other.jpg', await photoJpeg({ seed: 99 }));

    const record = await stageRecord<IndexingData>(aws, 'indexing', 'uploads/erin/original.jpg');
    const similar = await search.similarTo(record?.data?.phash ?? '');
    expect(keys(similar).sort()).toEqual(['uploads/erin/copy-small.jpg', 'uploads/erin/original.jpg']);
    expect(similar.find((hit) => hit.key === 'uploads/erin/original.jpg')?.distance).toBe(0);
  });

  it('drops tokens an overwrite no longer has', async () => {
    const key = 'uploads/frank/pet.jpg';
    await index(key, await photoJpeg({ seed: 31 }), { tags: 'kitten' });
    expect(keys(await search.byToken('kitten'))).toEqual([key]);
    await index(key, await photoJpeg({ seed: 31 }), { tags: 'puppy' });
    expect(await search.byToken('kitten')).toEqual([]);
    expect(keys(await search.byToken('puppy'))).toEqual([key]);
  });

  it('removes every search entry when the upload is deleted', async () => {
    const key = 'uploads/grace/gone soon.jpg';
    await index(key, await photoJpeg({ seed: 41 }));
    expect(keys(await search.byToken('soon'))).toEqual([key]);
    await handle(batch(removal(aws, key)));
    expect(await search.byToken('soon')).toEqual([]);
    expect(keys(await search.byOwner('grace'))).toEqual([]);
    const left = await new ImageTable(aws.dynamo, aws.tableName).itemsOfImage(
      imageIdOf(aws.uploadsBucket, key),
    );
    expect(left.map((item) => [item.sk, item.status])).toEqual([['STAGE#indexing', 'deleted']]);
  });

  it('indexes nothing for a corrupt upload', async () => {
    const key = 'uploads/grace/broken.jpg';
    await index(key, await truncatedJpeg());
    expect((await stageRecord(aws, 'indexing', key))?.status).toBe('rejected');
    expect(await search.byToken('broken')).toEqual([]);
  });
});
