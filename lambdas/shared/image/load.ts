import type { Readable } from 'node:stream';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { PermanentError, rejectionCodes } from '../errors';
import { type ImageEvent, imageEventKinds } from '../events';
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
  /** The version read, when the bucket is versioned. */
  readonly versionId?: string;
}

const isNotFound = (error: unknown) =>
  error instanceof Error &&
  (error.name === 'NoSuchKey' ||
    error.name === 'NoSuchVersion' ||
    error.name === 'NotFound' ||
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404);

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** A created event names the version it made; anything else reads the object as it is now. */
const versionToRead = (event: ImageEvent) =>
  event.kind === imageEventKinds.created ? event.versionId : undefined;

/**
 * Downloads the object an event names, with the guards every consumer needs: gone (permanent),
 * over the byte limit (checked from the headers before the body is read), empty, or not an image by
 * its magic bytes. `signal` abandons the download.
 */
export const loadImage = async (
  s3: S3Client,
  event: ImageEvent,
  limits: ImageLimits,
  signal?: AbortSignal,
): Promise<LoadedImage> => {
  let response: GetObjectCommandOutput;
  const versionId = versionToRead(event);
  try {
    response = await s3.send(
      new GetObjectCommand({ Bucket: event.bucket, Key: event.key, VersionId: versionId }),
      { abortSignal: signal },
    );
  } catch (error) {
    if (isNotFound(error)) {
      const which = versionId === undefined ? '' : ` (version ${versionId})`;
      throw new PermanentError(
        rejectionCodes.objectGone,
        `s3://${event.bucket}/${event.key}${which} no longer exists`,
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
  signal?.throwIfAborted();
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
    ...(response.VersionId === undefined ? {} : { versionId: response.VersionId }),
  };
};
