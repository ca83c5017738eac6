import { randomBytes } from 'node:crypto';
import {
  type DetectModerationLabelsCommandInput,
  type DetectModerationLabelsCommandOutput,
  InvalidImageFormatException,
  ProvisionedThroughputExceededException,
  RekognitionClient,
} from '@aws-sdk/client-rekognition';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createOfflineProvider } from '../../lambdas/moderation/providers/offline';
import {
  createRekognitionProvider,
  rekognitionMaxBytes,
} from '../../lambdas/moderation/providers/rekognition';
import { defaultThresholds, type ModerationResult, verdictOf } from '../../lambdas/moderation/types';
import { PermanentError, rejectionCodes } from '../../lambdas/shared/errors';
import type { ImageFormat } from '../../lambdas/shared/image';

type Colour = { r: number; g: number; b: number; alpha?: number };

const solid = (width: number, height: number, background: Colour, channels: 3 | 4 = 3) =>
  sharp({ create: { width, height, channels, background } });

/** Smooth gradients with some texture: closer to a photo than a flat colour. */
const photoLike = (width: number, height: number) => {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      pixels[i] = (x * 255) / width;
      pixels[i + 1] = (y * 255) / height;
      pixels[i + 2] = 128 + 127 * Math.sin((x + y) / 40);
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } });
};

const red = { r: 255, g: 0, b: 0 };
const blue = { r: 0, g: 0, b: 255 };
const white = { r: 255, g: 255, b: 255 };
const nsfwClasses = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];

describe('offline provider (nsfwjs MobileNetV2 on the wasm backend)', () => {
  const provider = createOfflineProvider();
  const images: Record<string, { body: Buffer; format: ImageFormat }> = {};

  beforeAll(async () => {
    const redPng = await solid(64, 64, red).png().toBuffer();
    const bluePng = await solid(64, 64, blue).png().toBuffer();
    images.flat = {
      body: await solid(320, 240, { r: 58, g: 123, b: 213 }).jpeg().toBuffer(),
      format: 'jpeg',
    };
    images.photo = { body: await photoLike(1024, 768).jpeg({ quality: 85 }).toBuffer(), format: 'jpeg' };
    images.transparent = {
      body: await solid(200, 100, { r: 200, g: 0, b: 90, alpha: 0 }, 4).png().toBuffer(),
      format: 'png',
    };
    images.white = { body: await solid(200, 100, white).png().toBuffer(), format: 'png' };
    images.red = { body: redPng, format: 'png' };
    images.blue = { body: bluePng, format: 'png' };
    images.animated = {
      body: await sharp([redPng, bluePng], { join: { animated: true } })
        .gif({ delay: [100, 100] })
        .toBuffer(),
      format: 'gif',
    };
    images.webp = { body: await photoLike(640, 480).webp({ quality: 80 }).toBuffer(), format: 'webp' };
    // Model load is part of the first call; later tests then measure steady state.
    await provider.moderate(images.flat);
  });

  const moderate = (name: string) => {
    const image = images[name];
    if (image === undefined) throw new Error(`No test image "${name}"`);
    return provider.moderate(image);
  };

  it.each(['flat', 'photo', 'transparent', 'animated', 'webp'])(
    'classifies a %s image into the five classes',
    async (name) => {
      const result = await moderate(name);

      expect(result.provider).toBe('offline');
      expect(result.model).toBe('nsfwjs-mobilenet_v2');
      expect(result.labels.map((label) => label.name).sort()).toEqual(nsfwClasses);
      for (const label of result.labels) {
        expect(label.confidence).toBeGreaterThanOrEqual(0);
        expect(label.confidence).toBeLessThanOrEqual(1);
        expect(label.unsafe).toBe(['Hentai', 'Porn', 'Sexy'].includes(label.name));
      }
      expect(result.labels.reduce((sum, label) => sum + label.confidence, 0)).toBeCloseTo(1, 4);
      expect(result.verdict).toBe(verdictOf(result.labels, defaultThresholds));
    },
  );

  it('gives the same answer for the same bytes', async () => {
    expect(await moderate('photo')).toEqual(await moderate('photo'));
  });

  it('applies its thresholds to the unsafe labels', async () => {
    const image = images.photo;
    if (image === undefined) throw new Error('No photo');
    const strict = createOfflineProvider({ thresholds: { flag: 0, review: 0 } });
    const lenient = createOfflineProvider({ thresholds: { flag: 1.01, review: 1.01 } });

    expect((await strict.moderate(image)).verdict).toBe('flagged');
    expect((await lenient.moderate(image)).verdict).toBe('allowed');
  });

  it('sees a transparent image as white and an animated GIF as its first frame', async () => {
    const confidences = (result: ModerationResult) =>
      result.labels.map(({ name, confidence }) => [name, confidence]);

    expect(confidences(await moderate('transparent'))).toEqual(confidences(await moderate('white')));
    expect(confidences(await moderate('animated'))).toEqual(confidences(await moderate('red')));
    expect(confidences(await moderate('animated'))).not.toEqual(confidences(await moderate('blue')));
  });

  it('runs on the wasm backend', () => {
    expect(tf.getBackend()).toBe('wasm');
  });

  it('releases every tensor it creates', async () => {
    const before = tf.memory().numTensors;
    for (const name of ['photo', 'webp', 'animated']) await moderate(name);

    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bytes that do not decode as a permanent error', async () => {
    const jpeg = images.photo?.body ?? Buffer.alloc(0);
    const truncated = { body: jpeg.subarray(0, jpeg.length / 2), format: 'jpeg' } as const;
    const garbage = { body: Buffer.from('definitely not a jpeg'), format: 'jpeg' } as const;

    await expect(provider.moderate(truncated)).rejects.toMatchObject({
      name: 'PermanentError',
      code: rejectionCodes.corrupt,
    });
    await expect(provider.moderate(garbage)).rejects.toMatchObject({
      name: 'PermanentError',
      code: rejectionCodes.unsupportedFormat,
    });
  });
});

describe('rekognition provider', () => {
  const jpegMagic = [0xff, 0xd8, 0xff];

  /** A real client whose `send` records what it was given and answers from a script instead of AWS. */
  const fakeRekognition = (
    answer: (input: DetectModerationLabelsCommandInput) => DetectModerationLabelsCommandOutput,
  ) => {
    const client = new RekognitionClient({ region: 'eu-west-1' });
    const received: DetectModerationLabelsCommandInput[] = [];
    vi.spyOn(client, 'send').mockImplementation(async (command: { input: object }) => {
      const input = command.input as DetectModerationLabelsCommandInput;
      received.push(input);
      return answer(input);
    });
    const bytesSent = () => Buffer.from(received.at(-1)?.Image?.Bytes ?? new Uint8Array());
    return { client, received, bytesSent };
  };
  const noLabels = (): DetectModerationLabelsCommandOutput => ({
    ModerationLabels: [],
    ModerationModelVersion: '7.0',
    $metadata: {},
  });

  it('sends a WebP as a JPEG of at most 2048 px, within the 5 MB limit', async () => {
    const { client, bytesSent } = fakeRekognition(noLabels);
    const webp = await photoLike(3000, 2000).webp().toBuffer();

    await createRekognitionProvider(client).moderate({ body: webp, format: 'webp' });

    const sent = bytesSent();
    expect([...sent.subarray(0, 3)]).toEqual(jpegMagic);
    expect(sent.length).toBeLessThanOrEqual(rekognitionMaxBytes);
    expect(await sharp(sent).metadata()).toMatchObject({ format: 'jpeg', width: 2048, height: 1365 });
  });

  it('sends a small JPEG as uploaded and re-encodes a PNG over 5 MB', async () => {
    const { client, bytesSent } = fakeRekognition(noLabels);
    const provider = createRekognitionProvider(client);
    const jpeg = await photoLike(800, 600).jpeg().toBuffer();
    const side = 1400; // Noise barely compresses: about 5.9 MB as PNG.
    const bigPng = await sharp(randomBytes(side * side * 3), {
      raw: { width: side, height: side, channels: 3 },
    })
      .png({ compressionLevel: 1 })
      .toBuffer();
    expect(bigPng.length).toBeGreaterThan(rekognitionMaxBytes);

    await provider.moderate({ body: jpeg, format: 'jpeg' });
    expect(bytesSent().equals(jpeg)).toBe(true);

    await provider.moderate({ body: bigPng, format: 'png' });
    expect([...bytesSent().subarray(0, 3)]).toEqual(jpegMagic);
    expect(bytesSent().length).toBeLessThanOrEqual(rekognitionMaxBytes);
  });

  it('maps labels to 0..1 confidences, all unsafe, and derives the verdict', async () => {
    const { client, received } = fakeRekognition(() => ({
      ModerationLabels: [
        { Name: 'Explicit', Confidence: 91.5, ParentName: '', TaxonomyLevel: 1 },
        { Name: 'Explicit Nudity', Confidence: 91.5, ParentName: 'Explicit', TaxonomyLevel: 2 },
        { Confidence: 99 },
      ],
      ModerationModelVersion: '7.0',
      $metadata: {},
    }));
    const jpeg = await solid(100, 100, red).jpeg().toBuffer();

    const result = await createRekognitionProvider(client).moderate({ body: jpeg, format: 'jpeg' });

    expect(received[0]?.MinConfidence).toBe(defaultThresholds.review * 100);
    expect(result).toEqual({
      verdict: 'flagged',
      labels: [
        { name: 'Explicit', confidence: 0.915, unsafe: true },
        { name: 'Explicit Nudity', confidence: 0.915, parent: 'Explicit', unsafe: true },
      ],
      provider: 'rekognition',
      model: 'rekognition-7.0',
    });
  });

  it('reviews a label between the thresholds and allows an image without labels', async () => {
    const suggestive = fakeRekognition(() => ({
      ModerationLabels: [{ Name: 'Suggestive', Confidence: 62 }],
      $metadata: {},
    }));
    const clean = fakeRekognition(noLabels);
    const jpeg = await solid(100, 100, blue).jpeg().toBuffer();

    const reviewed = await createRekognitionProvider(suggestive.client).moderate({
      body: jpeg,
      format: 'jpeg',
    });
    const allowed = await createRekognitionProvider(clean.client, { minConfidence: 0.2 }).moderate({
      body: jpeg,
      format: 'jpeg',
    });

    expect(reviewed).toMatchObject({ verdict: 'review', model: 'rekognition-unknown' });
    expect(allowed).toMatchObject({ verdict: 'allowed', labels: [] });
    expect(clean.received[0]?.MinConfidence).toBe(20);
  });

  it('turns an invalid image format into a permanent error and leaves throttling retryable', async () => {
    const jpeg = await solid(100, 100, white).jpeg().toBuffer();
    const invalid = fakeRekognition(() => {
      throw new InvalidImageFormatException({ message: 'Request has invalid image format', $metadata: {} });
    });
    const throttled = fakeRekognition(() => {
      throw new ProvisionedThroughputExceededException({ message: 'Slow down', $metadata: {} });
    });

    await expect(
      createRekognitionProvider(invalid.client).moderate({ body: jpeg, format: 'jpeg' }),
    ).rejects.toMatchObject({ name: 'PermanentError', code: rejectionCodes.unsupportedFormat });
    const error = await createRekognitionProvider(throttled.client)
      .moderate({ body: jpeg, format: 'jpeg' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(error).not.toBeInstanceOf(PermanentError);
  });

  it('rejects an undecodable WebP before calling Rekognition', async () => {
    const { client, received } = fakeRekognition(noLabels);

    await expect(
      createRekognitionProvider(client).moderate({
        body: Buffer.from('RIFF\0\0\0\0WEBPVP8 junk'),
        format: 'webp',
      }),
    ).rejects.toBeInstanceOf(PermanentError);
    expect(received).toHaveLength(0);
  });
});
