/**
 * The embedded S3 checks presigned requests as S3 does: URLs and POST policies made by the AWS SDK's
 * own presigners, sent with plain HTTP to the embedded backend.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectEvent } from '../../local/emulator';
import { startTestAws, type TestAws } from '../helpers/aws';
import { waitFor } from '../helpers/wait';

let aws: TestAws;
const events: ObjectEvent[] = [];

beforeAll(async () => {
  aws = await startTestAws();
  aws.backend.onObjectEvent((event) => events.push(event));
  await aws.s3.send(
    new PutObjectCommand({ Bucket: aws.uploadsBucket, Key: 'uploads/a/cat.jpg', Body: 'meow' }),
  );
});

afterAll(async () => {
  await aws?.stop();
});

const signer = (accessKeyId = 'test', secretAccessKey = 'test') =>
  new S3Client({
    endpoint: aws.backend.endpoint,
    region: aws.backend.region,
    credentials: { accessKeyId, secretAccessKey },
    forcePathStyle: true,
  });

describe('URLs signed in the query string', () => {
  it('serves a presigned GET, and refuses it tampered, signed with an unknown key or a wrong secret', async () => {
    const command = new GetObjectCommand({ Bucket: aws.uploadsBucket, Key: 'uploads/a/cat.jpg' });
    const url = await getSignedUrl(signer(), command, { expiresIn: 60 });
    const ok = await fetch(url);
    expect([ok.status, await ok.text()]).toEqual([200, 'meow']);

    const tampered = await fetch(url.replace('cat.jpg', 'dog.jpg'));
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const stranger = await fetch(await getSignedUrl(signer('AKIDSTRANGER', 'x'), command));
    expect(await stranger.text()).toContain('<Code>InvalidAccessKeyId</Code>');
    const wrongSecret = await fetch(await getSignedUrl(signer('test', 'not-the-secret'), command));
    expect(wrongSecret.status).toBe(403);
  });

  it('refuses a presigned URL once it has expired (Request has expired)', async () => {
    const url = await getSignedUrl(
      signer(),
      new GetObjectCommand({ Bucket: aws.uploadsBucket, Key: 'uploads/a/cat.jpg' }),
      { expiresIn: 1 },
    );
    const signedAt = Date.parse(
      (new URL(url).searchParams.get('X-Amz-Date') ?? '').replace(
        /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
        '$1-$2-$3T$4:$5:$6Z',
      ),
    );
    await waitFor(() => (Date.now() > signedAt + 2_000 ? true : undefined), { what: 'the URL to expire' });
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Request has expired');
  });
});

describe('browser POST uploads', () => {
  const post = async (fields: Record<string, string>, body: string, filename = 'photo.jpg') => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([body]), filename);
    const response = await fetch(`${aws.backend.endpoint}/${aws.uploadsBucket}`, {
      method: 'POST',
      body: form,
    });
    return { status: response.status, text: await response.text() };
  };

  it('stores an upload that meets its policy, with its type and metadata, and reports it like a put', async () => {
    const { fields } = await createPresignedPost(signer(), {
      Bucket: aws.uploadsBucket,
      // S3's own variable: the key takes the uploaded file's name.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's ${filename}, not a template.
      Key: 'uploads/a/${filename}',
      Conditions: [
        ['content-length-range', 1, 100],
        ['starts-with', '$x-amz-meta-tags', ''],
      ],
      Fields: { 'Content-Type': 'image/jpeg', 'x-amz-meta-tags': 'sea,sand' },
      Expires: 60,
    });
    expect(await post({ ...fields, 'x-ignore-note': 'anything' }, 'jpeg bytes')).toEqual({
      status: 204,
      text: '',
    });
    const stored = await aws.s3.send(
      new GetObjectCommand({ Bucket: aws.uploadsBucket, Key: 'uploads/a/photo.jpg' }),
    );
    expect(stored.ContentType).toBe('image/jpeg');
    expect(stored.Metadata).toEqual({ tags: 'sea,sand' });
    expect(await stored.Body?.transformToString()).toBe('jpeg bytes');
    await waitFor(() => events.find((event) => event.key === 'uploads/a/photo.jpg'), {
      what: 'the object event',
    });
  });

  it.each([
    [
      'a field no condition covers',
      { 'x-amz-meta-extra': 'sneaky' },
      403,
      'Extra input fields: x-amz-meta-extra',
    ],
    ['another content type', { 'Content-Type': 'text/html' }, 403, 'Policy Condition failed'],
    ['another key', { key: 'uploads/b/photo.jpg' }, 403, 'Policy Condition failed'],
    [
      'a forged policy',
      { Policy: Buffer.from('{"expiration":"2099-01-01T00:00:00Z","conditions":[]}').toString('base64') },
      403,
      'SignatureDoesNotMatch',
    ],
  ])('refuses %s', async (_what, override, status, message) => {
    const { fields } = await createPresignedPost(signer(), {
      Bucket: aws.uploadsBucket,
      Key: 'uploads/a/exact.jpg',
      Fields: { 'Content-Type': 'image/jpeg' },
      Expires: 60,
    });
    const answer = await post({ ...fields, ...override }, 'bytes');
    expect(answer.status).toBe(status);
    expect(answer.text).toContain(message);
  });

  it('refuses a file outside the content-length range, and an expired policy', async () => {
    const grant = (expires: number) =>
      createPresignedPost(signer(), {
        Bucket: aws.uploadsBucket,
        Key: 'uploads/a/sized.jpg',
        Conditions: [['content-length-range', 5, 10]],
        Expires: expires,
      });
    const { fields } = await grant(60);
    expect(await post(fields, 'x'.repeat(11))).toMatchObject({
      status: 400,
      text: expect.stringContaining('EntityTooLarge'),
    });
    expect(await post(fields, 'x'.repeat(4))).toMatchObject({
      status: 400,
      text: expect.stringContaining('EntityTooSmall'),
    });
    const { fields: shortLived } = await grant(1);
    const expiresAt = JSON.parse(Buffer.from(shortLived.Policy ?? '', 'base64').toString()).expiration;
    await waitFor(() => (Date.now() > Date.parse(expiresAt) ? true : undefined), {
      what: 'the policy to expire',
    });
    expect(await post(shortLived, 'x'.repeat(6))).toMatchObject({
      status: 403,
      text: expect.stringContaining('Policy expired'),
    });
  });
});
