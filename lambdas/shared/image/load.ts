import type { Readable } from 'node:stream';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { PermanentError, rejectionCodes } from '../errors';
import type { ImageEvent } from '../events';
import type { ImageLimits } from './limits';
import { describeContent, type ImageFormat, sniffImageFormat, truncation } from './sniff';

export interface LoadedImage {
  readonly body: Buffer;
  /** Sniffed from the bytes, not taken from the key or Content-Type. */
  readonly format: ImageFormat;
  readonly bytes: number;
  /** Content-Type as uploaded (may disagree with `format`). */
  readonly contentType?: string;
  /** User metadata (x-amz-meta-*) as uploaded. */
  readonly userMetadata: Readonly<Record<string, string>>;
  readonly lastModified?: Date;
}

const isNotFound = (error: unknown) =>
  error instanceof Error &&
  (error.name === 'NoSuchKey' ||
    error.name === 'NotFound' ||
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404);

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * Downloads the object an event names, as it is now, with the guards every consumer needs:
 * gone (permanent), over the byte limit (checked from the headers before the body is read),
 * empty, or not an image by its magic bytes.
 */
export const loadImage = async (
  s3: S3Client,
  event: ImageEvent,
  limits: ImageLimits,
): Promise<LoadedImage> => {
  let response: GetObjectCommandOutput;
  try {
    response = await s3.send(new GetObjectCommand({ Bucket: event.bucket, Key: event.key }));
  } catch (error) {
    if (isNotFound(error)) {
      throw new PermanentError(
        rejectionCodes.objectGone,
        `s3://${event.bucket}/${event.key} no longer exists`,
      );
    }
    throw error;
  }
  const declared = response.ContentLength ?? 0;
  if (declared > limits.maxBytes) {
    (response.Body as Readable | undefined)?.destroy();
    throw new PermanentError(
      rejectionCodes.tooManyBytes,
      `Object is ${megabytes(declared)}, over the ${megabytes(limits.maxBytes)} limit`,
    );
  }
  const body = Buffer.from((await response.Body?.transformToByteArray()) ?? new Uint8Array());
  if (body.length > limits.maxBytes) {
    throw new PermanentError(
      rejectionCodes.tooManyBytes,
      `Object is ${megabytes(body.length)}, over the ${megabytes(limits.maxBytes)} limit`,
    );
  }
  if (body.length === 0) throw new PermanentError(rejectionCodes.emptyObject, 'Object is empty (0 bytes)');
  const format = sniffImageFormat(body);
  if (format === undefined) {
    throw new PermanentError(
      rejectionCodes.notAnImage,
      `Not an image: the content is ${describeContent(body)}`,
    );
  }
  const cut = truncation(body, format);
  if (cut !== undefined)
    throw new PermanentError(rejectionCodes.corrupt, `Truncated or corrupt image: ${cut}`);
  return {
    body,
    format,
    bytes: body.length,
    contentType: response.ContentType,
    userMetadata: response.Metadata ?? {},
    lastModified: response.LastModified,
  };
};
