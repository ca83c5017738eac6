import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { consumerNames, stackOutputs } from '../../lambdas/shared/constants';
import {
  animatedGif,
  jpegWithExif,
  largeJpeg,
  notAnImage,
  pngPixelBomb,
  pngWithAlpha,
  webpImage,
} from '../../samples/images';
import type { LocalPipeline } from '../emulator';
import { type ImageStanding, imageStanding } from './image-status';

export interface DemoSample {
  readonly name: string;
  readonly contentType: string;
  readonly body: () => Buffer | Promise<Buffer>;
  /** What a user should see: every stage processed, or rejected with a reason. */
  readonly expected: 'processed' | 'rejected';
}

/** A little of everything: camera EXIF and rotation, alpha, WebP, animation, 12 MP, and two bad files. */
export const demoSamples: readonly DemoSample[] = [
  {
    name: 'holiday/camera photo.jpg',
    contentType: 'image/jpeg',
    body: () => jpegWithExif({ orientation: 6 }),
    expected: 'processed',
  },
  { name: 'logo+alpha.png', contentType: 'image/png', body: () => pngWithAlpha(), expected: 'processed' },
  { name: 'café/sunset.webp', contentType: 'image/webp', body: () => webpImage(), expected: 'processed' },
  { name: 'animation.gif', contentType: 'image/gif', body: () => animatedGif(), expected: 'processed' },
  {
    name: 'large 12 MP.jpg',
    contentType: 'image/jpeg',
    body: () => largeJpeg({ megapixels: 12 }),
    expected: 'processed',
  },
  { name: 'notes.jpg', contentType: 'image/jpeg', body: () => notAnImage('text'), expected: 'rejected' },
  { name: 'pixel bomb.png', contentType: 'image/png', body: () => pngPixelBomb(), expected: 'rejected' },
];

export interface DemoResult {
  readonly images: readonly ImageStanding[];
  readonly durationMs: number;
  /** Images whose outcome differs from what the sample expects. */
  readonly surprises: readonly string[];
}

const outputOf = (pipeline: LocalPipeline, name: string) => {
  const value = pipeline.topology.outputs[name];
  if (value === undefined)
    throw new Error(`The stack has no output ${name}; is this the image-fanout stack?`);
  return value;
};

/**
 * Uploads the samples under `uploads/demo/` and waits until every consumer has recorded an outcome
 * for each of them (or `timeoutMs` passes).
 */
export const runDemo = async (
  pipeline: LocalPipeline,
  { owner = 'demo', timeoutMs = 120_000 }: { owner?: string; timeoutMs?: number } = {},
): Promise<DemoResult> => {
  const bucket = outputOf(pipeline, stackOutputs.uploadsBucketName);
  const prefix = outputOf(pipeline, stackOutputs.uploadsPrefix);
  const tableName = outputOf(pipeline, stackOutputs.imagesTableName);
  const doc = DynamoDBDocumentClient.from(pipeline.clients.dynamo);
  const bodies = await Promise.all(demoSamples.map((sample) => sample.body()));
  const started = Date.now();
  const keys = demoSamples.map((sample) => `${prefix}${owner}/${sample.name}`);
  await Promise.all(
    demoSamples.map((sample, i) =>
      pipeline.clients.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: keys[i],
          Body: bodies[i],
          ContentType: sample.contentType,
        }),
      ),
    ),
  );
  let images: ImageStanding[] = [];
  while (Date.now() - started < timeoutMs) {
    images = await Promise.all(keys.map((key) => imageStanding(doc, tableName, bucket, key)));
    if (images.every((image) => image.settled)) break;
    await sleep(250);
  }
  const durationMs = Date.now() - started;
  const surprises = images.flatMap((image, i) => {
    const sample = demoSamples[i] as DemoSample;
    const wrong = consumerNames.filter((consumer) => image.stages[consumer]?.status !== sample.expected);
    return wrong.length === 0 ? [] : [`${image.key}: ${wrong.join(', ')} not ${sample.expected}`];
  });
  return { images, durationMs, surprises };
};

const pad = (text: string, width: number) =>
  text.length >= width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);

/** The demo's report: one row per image, then where the thumbnails of each processed image are. */
export const formatDemo = (result: DemoResult, derivedBucket: string): string => {
  const lines = [`${pad('image', 40)}${consumerNames.map((consumer) => pad(consumer, 14)).join('')}`];
  for (const image of result.images) {
    const cells = consumerNames.map((consumer) => {
      const stage = image.stages[consumer];
      if (stage === undefined) return pad('pending', 14);
      if (consumer === 'moderation' && stage.status === 'processed')
        return pad(String(stage.data?.verdict ?? 'processed'), 14);
      return pad(stage.status === 'rejected' ? `rejected` : stage.status, 14);
    });
    lines.push(`${pad(image.key, 40)}${cells.join('')}`);
    const reason = Object.values(image.stages).find((stage) => stage?.reason)?.reason;
    if (reason) lines.push(`  reason: ${reason}`);
    const thumbnails = image.stages.thumbnail?.data?.thumbnails;
    if (Array.isArray(thumbnails) && thumbnails.length > 0) {
      const sizes = new Set(
        thumbnails.map(
          (t: { outputWidth: number; outputHeight: number; format: string }) =>
            `${t.outputWidth}x${t.outputHeight} ${t.format}`,
        ),
      );
      const first = (thumbnails[0] as { key: string }).key;
      lines.push(
        `  thumbnails: s3://${derivedBucket}/${first.slice(0, first.lastIndexOf('/') + 1)} (${[...sizes].join(', ')})`,
      );
    }
  }
  const settled = result.images.filter((image) => image.settled).length;
  lines.push(
    '',
    `${settled} of ${result.images.length} images settled in ${(result.durationMs / 1000).toFixed(1)} s`,
  );
  for (const surprise of result.surprises) lines.push(`unexpected: ${surprise}`);
  return lines.join('\n');
};
