/**
 * The hostile and malformed corpus through the whole pipeline. Every input ends with a recorded
 * outcome within a bounded time, processed correctly or rejected with a reason a person
 * understands; nothing is retried, nothing reaches a DLQ, the runtime never fails.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import sharp from 'sharp';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { consumerNames, consumerOutputs } from '../../lambdas/shared/constants';
import { encodeS3Key } from '../../lambdas/shared/events';
import { unreadableMessageKey } from '../../lambdas/shared/store';
import type { ConsumerStatus, LocalPipeline } from '../../local/emulator';
import { type ImageStanding, imageStanding } from '../../local/tools';
import {
  animatedGif,
  animatedWebp,
  brokenExifJpeg,
  cmykJpeg,
  largeJpeg,
  notAnImage,
  orientationProbe,
  orientations,
  photoJpeg,
  png16Bit,
  pngPixelBomb,
  truncatedJpeg,
} from '../../samples/images';
import type { PipelineNames } from '../helpers/outputs';
import { imagePipelineOf, useLocalPipeline } from '../helpers/pipeline';
import { pipelineTarget } from '../helpers/target';
import { waitFor } from '../helpers/wait';

let pipeline: LocalPipeline;
let doc: DynamoDBDocumentClient;
let names: PipelineNames;
let before: ConsumerStatus[];
/** Every input must be settled this soon after it is sent (the runtime is not under faults here). */
const bound = 90_000;
// A test may take as long as its bound (the suite's 30 s default is for a quiet machine).
vi.setConfig({ testTimeout: bound + 10_000 });

const { runtimeErrors } = useLocalPipeline(
  () => ({ cloudAssemblyDir: inject('pipelineAssembly'), ...pipelineTarget() }),
  async (started) => {
    ({ pipeline, doc, names } = imagePipelineOf(started));
    names = { ...names, prefix: `${names.prefix}hostile/` };
    before = await pipeline.status();
  },
);

// Runs before the pipeline stops (useLocalPipeline's afterAll was registered first).
afterAll(async () => {
  // Nothing in the corpus may cost a retry or a dead letter, and the runtime itself never failed.
  const after = await pipeline.status();
  for (const [i, consumer] of after.entries()) {
    expect(consumer.dlqDepth, consumer.functionName).toBe(0);
    expect(consumer.retried, consumer.functionName).toBe(before[i]?.retried);
    expect(consumer.timeouts, consumer.functionName).toBe(0);
  }
  expect(runtimeErrors).toEqual([]);
});

const upload = (name: string, body: Buffer, contentType = 'image/jpeg') =>
  pipeline.clients.s3.send(
    new PutObjectCommand({
      Bucket: names.uploads,
      Key: `${names.prefix}${name}`,
      Body: body,
      ContentType: contentType,
    }),
  );

/** Waits for the image's outcome; past the bound, fails with where each consumer left it. */
const standing = async (
  name: string,
  done: (image: ImageStanding) => boolean = (image) => image.settled,
): Promise<ImageStanding> => {
  let last: ImageStanding | undefined;
  try {
    return await waitFor(
      async () => {
        last = await imageStanding(doc, names.table, names.uploads, `${names.prefix}${name}`);
        return done(last) ? last : undefined;
      },
      { timeoutMs: bound, intervalMs: 200, what: `an outcome for ${name}` },
    );
  } catch (error) {
    const stages = consumerNames.map(
      (c) => `${c}: ${last?.stages[c]?.status ?? 'none'} ${last?.stages[c]?.reason ?? ''}`,
    );
    throw new Error(`${(error as Error).message}; last seen ${stages.join(', ')}`, { cause: error });
  }
};

const expectAll = (image: ImageStanding, status: string, reasonCode?: string) => {
  for (const consumer of consumerNames) {
    expect(image.stages[consumer], `${consumer} of ${image.key}`).toMatchObject({
      status,
      ...(reasonCode ? { reasonCode } : {}),
    });
  }
};

/** The JPEG rendition of a width, as the image's thumbnail record names it. */
const thumbnailOf = async (image: ImageStanding, width: number) => {
  const entries = (image.stages.thumbnail?.data?.thumbnails ?? []) as {
    key: string;
    width: number;
    format: string;
  }[];
  const key = entries.find((entry) => entry.width === width && entry.format === 'jpeg')?.key;
  if (key === undefined) throw new Error(`${image.key} has no ${width} px JPEG thumbnail on record`);
  const object = await pipeline.clients.s3.send(new GetObjectCommand({ Bucket: names.derived, Key: key }));
  return sharp(
    Buffer.from(
      await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    ),
  );
};

describe.concurrent('files that are not what they say', () => {
  it.each([
    ['a zero-byte object', 'zero.jpg', () => notAnImage('empty'), 'empty-object', /empty/],
    ['a truncated JPEG', 'truncated.jpg', () => truncatedJpeg(), 'corrupt-image', /truncated/i],
    ['text with an image extension', 'letter.jpg', () => notAnImage('text'), 'not-an-image', /text/],
    ['a PDF with an image extension', 'scan.png', () => notAnImage('pdf'), 'not-an-image', /PDF/],
    [
      'a PNG pixel bomb',
      'bomb.png',
      () => pngPixelBomb(),
      'too-many-pixels',
      /^Image is \d+x\d+ .*over the 40\.0 MP limit$/,
    ],
  ])('rejects %s with its reason', async (_, name, make, code, reason) => {
    await upload(name, await make());
    const image = await standing(name);
    expectAll(image, 'rejected', code);
    expect(image.stages.thumbnail?.reason).toMatch(reason);
  });
});

describe.concurrent('images at the edges', () => {
  it('processes a real 30 MP photo, near the pixel limit', async () => {
    await upload('large 30MP.jpg', await largeJpeg({ megapixels: 30 }));
    const image = await standing('large 30MP.jpg');
    expectAll(image, 'processed');
    expect((await (await thumbnailOf(image, 1024)).metadata()).width).toBe(1024);
  });

  it.each([
    ['a CMYK JPEG', 'cmyk.jpg', () => cmykJpeg(), 'jpeg'],
    ['a 16-bit PNG', 'deep.png', () => png16Bit(), 'png'],
    ['an animated GIF', 'anim.gif', () => animatedGif(), 'gif'],
    ['an animated WebP', 'anim.webp', () => animatedWebp(), 'webp'],
  ])('processes %s', async (_, name, make, format) => {
    await upload(name, await make(), `image/${format}`);
    const image = await standing(name);
    expectAll(image, 'processed');
    expect(image.stages.metadata?.data).toMatchObject({ format });
    const thumbnail = await (await thumbnailOf(image, 128)).metadata();
    expect(thumbnail).toMatchObject({ format: 'jpeg', space: 'srgb', width: 128 });
  });

  it('processes a JPEG with broken EXIF and says why its EXIF is missing', async () => {
    await upload('broken exif.jpg', await brokenExifJpeg({ damage: 'entry-count' }));
    const image = await standing('broken exif.jpg');
    expectAll(image, 'processed');
    expect(image.stages.metadata?.data?.exifError).toMatch(/EXIF/);
  });

  it('shows every EXIF orientation upright in its thumbnails', async () => {
    await Promise.all(
      orientations.map(async (o) => upload(`orientation ${o}.jpg`, (await orientationProbe(o)).image)),
    );
    for (const orientation of orientations) {
      const image = await standing(`orientation ${orientation}.jpg`);
      expectAll(image, 'processed');
      const { data, info } = await (await thumbnailOf(image, 128))
        .raw()
        .toBuffer({ resolveWithObject: true });
      // Displayed 400x300 with a red top-left quarter: the thumbnail is 128x96, red at the top left.
      expect([info.width, info.height], `orientation ${orientation}`).toEqual([128, 96]);
      expect(data[0], `red at the top left for orientation ${orientation}`).toBeGreaterThan(200);
      expect(data[(info.width * info.height - 1) * info.channels], 'blue at the bottom right').toBeLessThan(
        60,
      );
    }
  });
});

describe.concurrent('keys and timing', () => {
  it('processes keys with spaces, plus signs, unicode and a very long name', async () => {
    const body = await photoJpeg({ width: 320, height: 240, seed: 31 });
    const keys = [
      'two  spaces.jpg',
      'c++ & 50% off.jpg',
      'Ünïcödé/写真 📷.jpg',
      `${'very-long-name-'.repeat(60)}.jpg`,
    ];
    await Promise.all(keys.map((key) => upload(key, body)));
    for (const key of keys) expectAll(await standing(key), 'processed');
  });

  it('ends an object deleted before its message is processed as deleted everywhere', async () => {
    await upload('gone.jpg', await photoJpeg({ width: 320, height: 240, seed: 32 }));
    await pipeline.clients.s3.send(
      new DeleteObjectCommand({ Bucket: names.uploads, Key: `${names.prefix}gone.jpg` }),
    );
    // The deletion is the newest event: its tombstone wins whichever invocation commits first.
    const image = await standing('gone.jpg', (i) =>
      consumerNames.every((c) => i.stages[c]?.status === 'deleted'),
    );
    expectAll(image, 'deleted');
    // The upload's own attempt may still be finishing: superseded, it sweeps what it wrote.
    await waitFor(
      async () => {
        const listed = await pipeline.clients.s3.send(
          new ListObjectsV2Command({ Bucket: names.derived, Prefix: `thumbnails/${image.imageId}/` }),
        );
        return (listed.KeyCount ?? 0) === 0 ? true : undefined;
      },
      { what: `the thumbnails of ${image.key} to be gone`, timeoutMs: 30_000 },
    );
  });

  it('keeps the last of three quick overwrites, whatever order the work runs in', async () => {
    for (const width of [640, 800, 320])
      await upload('overwritten.jpg', await photoJpeg({ width, height: 240 }));
    // Every consumer on the newest event: each commits on its own, so metadata may be there first.
    const image = await standing(
      'overwritten.jpg',
      (i) =>
        i.settled &&
        i.stages.metadata?.data?.width === 320 &&
        consumerNames.every((c) => i.stages[c]?.sequencer === i.stages.metadata?.sequencer),
    );
    expectAll(image, 'processed');
    // Settled on the last version, and stays there: no older event lands later.
    const again = await imageStanding(doc, names.table, names.uploads, `${names.prefix}overwritten.jpg`);
    expect(again.stages.metadata?.data?.width).toBe(320);
    expect((await (await thumbnailOf(image, 1024)).metadata()).width).toBe(320);
  });
});

describe.concurrent('messages that are not S3 events', () => {
  // The queue URL the endpoint gave, found by the stack output's.
  const queueUrl = () => {
    const queue = pipeline.topology.queues.find(
      (q) => q.url === pipeline.topology.outputs[consumerOutputs('metadata').queueUrl],
    );
    return pipeline.queueUrls.get(queue?.arn ?? '') as string;
  };
  const send = async (body: string) =>
    (await pipeline.clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl(), MessageBody: body })))
      .MessageId as string;
  const unreadable = (messageId: string) =>
    waitFor(
      async () =>
        (
          await doc.send(
            new GetCommand({ TableName: names.table, Key: unreadableMessageKey(messageId, 'metadata') }),
          )
        ).Item,
      { timeoutMs: bound, intervalMs: 200, what: `the record of unreadable message ${messageId}` },
    );

  it.each([
    ['a body that is not JSON', 'this is not { json'],
    ['JSON that is not an S3 event', JSON.stringify({ hello: 'world', Records: 'nope' })],
  ])('records %s with its reason and acknowledges it', async (_, body) => {
    const item = await unreadable(await send(body));
    expect(item).toMatchObject({ status: 'rejected', reasonCode: 'malformed-message', body });
    expect(item.reason).toMatch(/\w+/);
  });

  it('processes an S3 event inside an SNS envelope', async () => {
    const key = `${names.prefix}enveloped.jpg`;
    await upload('enveloped.jpg', await photoJpeg({ width: 320, height: 240, seed: 33 }));
    await standing('enveloped.jpg');
    const sentAt = new Date().toISOString();
    // The same object's event again, wrapped as SNS delivers without raw delivery, with a newer sequencer.
    const s3Event = {
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: pipeline.region,
          eventTime: new Date().toISOString(),
          eventName: 'ObjectCreated:Put',
          s3: {
            bucket: { name: names.uploads, arn: `arn:aws:s3:::${names.uploads}` },
            object: { key: encodeS3Key(key), size: 1, sequencer: 'FFFFFFFFFFFFFFFFFF' },
          },
        },
      ],
    };
    const envelope = {
      Type: 'Notification',
      MessageId: 'local-envelope',
      TopicArn: names.topicArn,
      Subject: 'Amazon S3 Notification',
      Message: JSON.stringify(s3Event),
      Timestamp: new Date().toISOString(),
    };
    await send(JSON.stringify(envelope));
    const image = await standing('enveloped.jpg', (i) => (i.stages.metadata?.updatedAt ?? '') > sentAt);
    expect(image.stages.metadata?.status).toBe('processed');
  });

  it('acknowledges an s3:TestEvent and records nothing for it', async () => {
    const id = await send(
      JSON.stringify({
        Service: 'Amazon S3',
        Event: 's3:TestEvent',
        Time: new Date().toISOString(),
        Bucket: names.uploads,
      }),
    );
    await waitFor(
      async () => {
        const [metadata] = (await pipeline.status()).filter((s) => s.functionName.includes('Metadata'));
        return metadata && metadata.backlog === 0 && metadata.notVisible === 0 ? true : undefined;
      },
      { timeoutMs: bound, what: 'the metadata queue to be empty' },
    );
    const item = await doc.send(
      new GetCommand({ TableName: names.table, Key: unreadableMessageKey(id, 'metadata') }),
    );
    expect(item.Item).toBeUndefined();
  });
});
