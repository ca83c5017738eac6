import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { imageIdOf } from '../shared/events/image-event';
import { contentTypes } from '../shared/image/sniff';
import { BadRequestError } from './errors';

/** What a client asks for: the file it is about to upload, as it describes it. */
export interface UploadRequest {
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
}

/** A browser-style upload: POST a multipart form with `fields` and then the file to `url`. */
export interface UploadGrant {
  readonly imageId: string;
  readonly key: string;
  readonly upload: { readonly method: 'POST'; readonly url: string; readonly fields: Record<string, string> };
  readonly expiresAt: string;
  readonly maxBytes: number;
}

export interface UploadPolicy {
  readonly bucket: string;
  readonly prefix: string;
  readonly maxImageBytes: number;
  readonly expiresInSeconds: number;
}

const imageContentTypes: ReadonlySet<string> = new Set(Object.values(contentTypes));
const maxFilenameLength = 200;

const filenameOf = (value: unknown): string => {
  if (typeof value !== 'string' || value.trim() === '') throw new BadRequestError('filename', 'is required');
  // A name, never a path: no folders, no parent references, nothing a terminal or a log would act on.
  if (/[/\\]/.test(value)) throw new BadRequestError('filename', 'must not contain / or \\');
  if (value === '.' || value === '..' || value.startsWith('..')) {
    throw new BadRequestError('filename', 'must not be or start with ..');
  }
  if (/\p{Cc}/u.test(value)) throw new BadRequestError('filename', 'must not contain control characters');
  if (value.length > maxFilenameLength) {
    throw new BadRequestError('filename', `must be at most ${maxFilenameLength} characters`);
  }
  return value.normalize('NFC');
};

/** The request body as an upload request, or a 400 that names the field. */
export const parseUploadRequest = (body: Record<string, unknown>, maxImageBytes: number): UploadRequest => {
  const filename = filenameOf(body.filename);
  const { contentType, size } = body;
  if (typeof contentType !== 'string' || contentType === '')
    throw new BadRequestError('contentType', 'is required');
  if (!imageContentTypes.has(contentType.toLowerCase())) {
    throw new BadRequestError('contentType', `must be an image type: ${[...imageContentTypes].join(', ')}`);
  }
  if (size === undefined) throw new BadRequestError('size', 'is required (bytes)');
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
    throw new BadRequestError('size', 'must be a whole number of bytes above 0');
  }
  if (size > maxImageBytes) throw new BadRequestError('size', `must be at most ${maxImageBytes} bytes`);
  return { filename, contentType: contentType.toLowerCase(), size };
};

/**
 * `uploads/<owner>/<unique>/<filename>`: the owner from the token, a fresh folder so names never
 * collide. Lower-case hex, so the folder adds one opaque search token, not fragments of one.
 */
export const uploadKey = (prefix: string, owner: string, filename: string): string =>
  `${prefix}${owner}/${randomBytes(8).toString('hex')}/${filename}`;

/**
 * A presigned POST whose policy makes S3 itself enforce the promise: this exact key, this content
 * type, at most the declared size, before the expiry. The signature is the API role's, which may
 * only put objects under the uploads prefix.
 */
export const grantUpload = async (
  s3: S3Client,
  policy: UploadPolicy,
  owner: string,
  request: UploadRequest,
  now: () => number = Date.now,
): Promise<UploadGrant> => {
  const key = uploadKey(policy.prefix, owner, request.filename);
  const { url, fields } = await createPresignedPost(s3, {
    Bucket: policy.bucket,
    Key: key,
    Fields: { 'Content-Type': request.contentType },
    Conditions: [['content-length-range', 1, request.size]],
    Expires: policy.expiresInSeconds,
  });
  return {
    imageId: imageIdOf(policy.bucket, key),
    key,
    upload: { method: 'POST', url, fields },
    expiresAt: new Date(now() + policy.expiresInSeconds * 1000).toISOString(),
    maxBytes: request.size,
  };
};
