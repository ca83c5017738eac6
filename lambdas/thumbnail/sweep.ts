import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { TransientError } from '../shared/errors';

/** DeleteObjects takes at most 1,000 keys: a service limit. */
const deleteLimit = 1_000;

const listKeys = async (s3: S3Client, bucket: string, prefix: string, signal: AbortSignal) => {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      {
        abortSignal: signal,
      },
    );
    keys.push(...(page.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [object.Key])));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys;
};

/**
 * Deletes the objects under `prefix` that `garbage` picks. A key S3 could not delete fails the call
 * (a TransientError naming it), so that the message is retried rather than the object forgotten.
 */
export const removeObjects = async (
  s3: S3Client,
  bucket: string,
  prefix: string,
  signal: AbortSignal,
  garbage: (key: string) => boolean,
): Promise<number> => {
  const doomed = (await listKeys(s3, bucket, prefix, signal)).filter(garbage);
  for (let i = 0; i < doomed.length; i += deleteLimit) {
    const { Errors = [] } = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: doomed.slice(i, i + deleteLimit).map((Key) => ({ Key })), Quiet: true },
      }),
      { abortSignal: signal },
    );
    if (Errors.length > 0) {
      const first = Errors[0];
      throw new TransientError(
        `Could not delete ${Errors.length} derived object(s), e.g. ${first?.Key}: ${first?.Code} ${first?.Message ?? ''}`.trim(),
      );
    }
  }
  return doomed.length;
};
