/**
 * System metadata (Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Expires)
 * is stored with an object and answered on GET and HEAD, per version ("Working with object metadata"
 * in the S3 user guide). fauxqs alone keeps only Content-Type and user metadata.
 */
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { LocalClients } from '../../local/emulator';
import { useTestBackend } from '../helpers/backend';

describe('S3 system metadata on the embedded backend', () => {
  let clients: LocalClients;

  useTestBackend(async (local) => {
    ({ clients } = local);
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'plain' }));
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'versioned' }));
    await clients.s3.send(
      new PutBucketVersioningCommand({ Bucket: 'versioned', VersioningConfiguration: { Status: 'Enabled' } }),
    );
  });

  it('answers GET and HEAD with the headers the object was written with', async () => {
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: 'plain',
        Key: 'a.txt',
        Body: 'hello',
        CacheControl: 'public, max-age=31536000, immutable',
        ContentDisposition: 'attachment; filename="a.txt"',
        ContentLanguage: 'en',
      }),
    );
    const head = await clients.s3.send(new HeadObjectCommand({ Bucket: 'plain', Key: 'a.txt' }));
    expect(head).toMatchObject({
      CacheControl: 'public, max-age=31536000, immutable',
      ContentDisposition: 'attachment; filename="a.txt"',
      ContentLanguage: 'en',
    });
    const get = await clients.s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'a.txt' }));
    expect(get.CacheControl).toBe('public, max-age=31536000, immutable');
  });

  it('keeps each version its own headers, and an overwrite without them has none', async () => {
    const first = await clients.s3.send(
      new PutObjectCommand({ Bucket: 'versioned', Key: 'b.txt', Body: 'one', CacheControl: 'no-cache' }),
    );
    await clients.s3.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'b.txt', Body: 'two' }));
    const current = await clients.s3.send(new HeadObjectCommand({ Bucket: 'versioned', Key: 'b.txt' }));
    expect(current.CacheControl).toBeUndefined();
    const old = await clients.s3.send(
      new HeadObjectCommand({ Bucket: 'versioned', Key: 'b.txt', VersionId: first.VersionId }),
    );
    expect(old.CacheControl).toBe('no-cache');
  });
});
