/**
 * The front door on the local runtime: real HTTP to the HTTP API the template defines, real JWTs
 * checked by its authorizer, real presigned POST uploads checked by the embedded S3, and the
 * pipeline behind it. Runs the short-timeout test stack (local/tools/soak.ts), on its own free ports.
 */
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import sharp from 'sharp';
import { describe, expect, inject, it } from 'vitest';
import { consumerNames } from '../../lambdas/shared/constants';
import type { LocalPipeline } from '../../local/emulator';
import { photoJpeg, pngWithAlpha } from '../../samples/images';
import { createApiClient, postForm, type UploadGrant } from '../helpers/api';
import { type PipelineNames, pipelineNames } from '../helpers/outputs';
import { useLocalPipeline } from '../helpers/pipeline';
import { waitFor } from '../helpers/wait';

let pipeline: LocalPipeline;
let api: ReturnType<typeof createApiClient>;
let alice: string;
let bob: string;
let names: PipelineNames;

useLocalPipeline(
  () => ({ cloudAssemblyDir: inject('soakAssembly'), port: 0 }),
  async (started) => {
    pipeline = started;
    const [first] = pipeline.httpApis;
    if (first === undefined) throw new Error('The stack has no HTTP API');
    api = createApiClient(first.url);
    alice = await pipeline.issueToken({ sub: 'alice' });
    bob = await pipeline.issueToken({ sub: 'bob' });
    names = pipelineNames(pipeline.topology.outputs);
  },
);

/** Asks for an upload and posts the file with the grant, as a browser page would. */
const upload = async (token: string, filename: string, body: Buffer, contentType = 'image/jpeg') => {
  const granted = await api.requestUpload(token, { filename, contentType, size: body.length });
  expect(granted.status, JSON.stringify(granted.body)).toBe(201);
  const posted = await postForm(granted.body, { body, filename, origin: 'http://localhost:5173' });
  expect(posted.status, posted.text).toBe(204);
  return granted.body;
};

const claimsOf = (token: string) => decodeJwt(token);

type Stages = Record<string, { status: string }>;
const settled = (token: string, imageId: string, status = 'processed') =>
  waitFor(
    async () => {
      const answer = await api.image(token, imageId);
      const stages = answer.body.stages as Stages | undefined;
      return answer.status === 200 && consumerNames.every((name) => stages?.[name]?.status === status)
        ? answer.body
        : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200, what: `all four stages ${status} for ${imageId}` },
  );

/** Polls a listing until it shows the image: the search index (a GSI) is eventually consistent. */
const indexed = <T extends { body: { images: { imageId: string }[] } }>(
  read: () => Promise<T>,
  imageId: string,
) =>
  waitFor(
    async () => {
      const answer = await read();
      return answer.body.images.some((image) => image.imageId === imageId) ? answer : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 200, what: `${imageId} in the index` },
  );

const objectExists = async (bucket: string, key: string) =>
  pipeline.clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    (error: Error) => (error.name === 'NotFound' ? false : Promise.reject(error)),
  );

describe('a browser-style upload', () => {
  it('gets a presigned POST for the caller, reaches all four stages, and the status route shows it', async () => {
    const body = await photoJpeg({ width: 800, height: 600, seed: 3 });
    // The owner comes from the token, never from the body.
    const granted = await api.requestUpload(alice, {
      filename: 'beach day.jpg',
      contentType: 'image/jpeg',
      size: body.length,
      owner: 'bob',
    });
    expect(granted.status).toBe(201);
    expect(granted.body.key).toMatch(/^uploads\/alice\/[0-9a-f]{16}\/beach day\.jpg$/);
    expect(Date.parse(granted.body.expiresAt) - Date.now()).toBeLessThanOrEqual(5_000);
    expect(await postForm(granted.body, { body, filename: 'beach day.jpg' })).toMatchObject({ status: 204 });

    const image = await settled(alice, granted.body.imageId);
    expect(image).toMatchObject({
      imageId: granted.body.imageId,
      key: granted.body.key,
      settled: true,
      metadata: { format: 'jpeg', width: 800, height: 600 },
      moderation: { verdict: expect.stringMatching(/^(allowed|review|flagged)$/) },
    });
    const thumbnails = image.thumbnails as { width: number; format: string; url: string }[];
    expect(thumbnails.map((t) => `${t.width}.${t.format}`).sort()).toEqual(
      ['1024.jpeg', '1024.webp', '128.jpeg', '128.webp', '512.jpeg', '512.webp'].sort(),
    );
    // The short-lived URLs are real presigned GETs the embedded S3 verifies.
    const small = thumbnails.find((t) => t.width === 128 && t.format === 'jpeg');
    const fetched = await fetch(small?.url ?? '');
    expect(fetched.status).toBe(200);
    expect(await sharp(Buffer.from(await fetched.arrayBuffer())).metadata()).toMatchObject({ width: 128 });
    const forged = await fetch(
      (small?.url ?? '').replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${'0'.repeat(64)}`),
    );
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('SignatureDoesNotMatch');

    // The listing and search read a GSI, which DynamoDB updates shortly after the table.
    await indexed(() => api.list(alice), granted.body.imageId);
    await indexed(() => api.search(alice, 'beach'), granted.body.imageId);
  });

  it('finds near-duplicates among the caller’s own images, and lists them newest first with a cursor', async () => {
    const photo = await photoJpeg({ width: 800, height: 600, seed: 11 });
    const original = await upload(alice, 'harbour.jpg', photo);
    // The same photo saved again as PNG: another file, the same picture.
    const copy = await upload(alice, 'harbour.png', await sharp(photo).png().toBuffer(), 'image/png');
    await Promise.all([settled(alice, original.imageId), settled(alice, copy.imageId)]);
    const similar = await indexed(() => api.similar(alice, original.imageId), copy.imageId);
    expect(similar.status).toBe(200);
    expect(similar.body.images.map((i) => i.imageId)).not.toContain(original.imageId);
    await indexed(() => api.list(alice), original.imageId);

    const first = await api.list(alice, '?limit=1');
    expect(first.body.images).toHaveLength(1);
    expect(first.body.images[0]?.imageId).toBe(copy.imageId);
    const second = await api.list(alice, `?limit=1&cursor=${first.body.cursor}`);
    expect(second.body.images[0]?.imageId).toBe(original.imageId);
    expect((await api.list(bob, `?cursor=${first.body.cursor}`)).status).toBe(400);
  });
});

describe('S3 enforces what the grant promised', () => {
  const grantFor = async (body: Buffer, contentType = 'image/png'): Promise<UploadGrant> => {
    const granted = await api.requestUpload(alice, { filename: 'logo.png', contentType, size: body.length });
    expect(granted.status).toBe(201);
    return granted.body;
  };

  it('refuses an upload larger than declared (EntityTooLarge) and stores nothing', async () => {
    const body = await pngWithAlpha();
    const grant = await grantFor(body);
    const posted = await postForm(grant, { body: Buffer.concat([body, Buffer.alloc(4096)]) });
    expect(posted.status).toBe(400);
    expect(posted.text).toContain('EntityTooLarge');
    expect(await objectExists(names.uploads, grant.key)).toBe(false);
  });

  it('refuses an upload retyped to another content type, or sent to another key', async () => {
    const body = await pngWithAlpha();
    const grant = await grantFor(body);
    const retyped = await postForm(grant, { body, override: { 'Content-Type': 'text/html' } });
    expect(retyped.status).toBe(403);
    expect(retyped.text).toMatch(/AccessDenied.*Policy Condition failed/);
    const elsewhere = await postForm(grant, { body, override: { key: 'uploads/bob/mine.png' } });
    expect(elsewhere.status).toBe(403);
    expect(await objectExists(names.uploads, grant.key)).toBe(false);
    expect(await objectExists(names.uploads, 'uploads/bob/mine.png')).toBe(false);
  });

  it('refuses an upload once the grant has expired', async () => {
    const body = await pngWithAlpha();
    const grant = await grantFor(body);
    await waitFor(() => (Date.now() > Date.parse(grant.expiresAt) + 1_000 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'the upload grant to expire',
    });
    const posted = await postForm(grant, { body });
    expect(posted.status).toBe(403);
    expect(posted.text).toContain('Policy expired');
    expect(await objectExists(names.uploads, grant.key)).toBe(false);
  });
});

describe('requests the API refuses', () => {
  it.each([
    [{ contentType: 'image/jpeg', size: 10 }, 'filename'],
    [{ filename: '../../etc/passwd', contentType: 'image/jpeg', size: 10 }, 'filename'],
    [{ filename: 'holiday/cat.jpg', contentType: 'image/jpeg', size: 10 }, 'filename'],
    [{ filename: 'cat.jpg', contentType: 'text/html', size: 10 }, 'contentType'],
    [{ filename: 'cat.jpg', contentType: 'image/jpeg' }, 'size'],
    [{ filename: 'cat.jpg', contentType: 'image/jpeg', size: 50 * 1024 * 1024 + 1 }, 'size'],
    [{ filename: 'cat.jpg', contentType: 'image/jpeg', size: -5 }, 'size'],
  ])('%j is a 400 that names %s', async (request, field) => {
    const answer = await api.requestUpload(alice, request);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ field, message: expect.stringMatching(new RegExp(`^${field}: `)) });
  });

  it('answers 401 without a token, with a malformed one, a forged one or an expired one', async () => {
    // Same issuer, audience and subject as a good token, signed with a key the issuer never had.
    const { privateKey } = await generateKeyPair('RS256');
    const good = claimsOf(alice);
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'another-key' })
      .setSubject('alice')
      .setIssuer(String(good.iss))
      .setAudience(String(good.aud))
      .setExpirationTime('1h')
      .sign(privateKey);
    const expiring = await pipeline.issueToken({ sub: 'alice', expiresInSeconds: 1 });
    const expiresAt = Number(claimsOf(expiring).exp) * 1000;
    await waitFor(() => (Date.now() > expiresAt + 1_000 ? true : undefined), {
      timeoutMs: 5_000,
      what: 'the token to expire',
    });
    for (const token of [undefined, 'not-a-jwt', forged, expiring]) {
      const answer = await api.call('GET', 'images', token);
      expect(answer.status, String(token)).toBe(401);
      expect(answer.body).toEqual({ message: 'Unauthorized' });
    }
    expect((await api.call('POST', 'uploads', undefined, {})).status).toBe(401);
  });

  it("answers 404 for another owner's image, on every route, and lists only the caller's", async () => {
    const mine = await upload(alice, 'private.jpg', await photoJpeg({ width: 320, height: 240, seed: 5 }));
    await settled(alice, mine.imageId);
    expect((await api.image(bob, mine.imageId)).status).toBe(404);
    expect((await api.similar(bob, mine.imageId)).status).toBe(404);
    expect((await api.deleteImage(bob, mine.imageId)).status).toBe(404);
    expect((await api.list(bob)).body.images.map((i) => i.imageId)).not.toContain(mine.imageId);
    expect((await api.search(bob, 'private')).body.images).toEqual([]);
    // Bob's delete did nothing.
    expect(await objectExists(names.uploads, mine.key)).toBe(true);
  });
});

describe('deleting an image', () => {
  it('deletes the upload and the pipeline removes everything derived from it', async () => {
    const image = await upload(alice, 'to delete.jpg', await photoJpeg({ width: 640, height: 480, seed: 9 }));
    const before = await settled(alice, image.imageId);
    expect((before.thumbnails as unknown[]).length).toBeGreaterThan(0);
    const thumbnailsOf = async () =>
      (
        await pipeline.clients.s3.send(
          new ListObjectsV2Command({ Bucket: names.derived, Prefix: `thumbnails/${image.imageId}/` }),
        )
      ).Contents ?? [];
    expect((await thumbnailsOf()).length).toBeGreaterThan(0);

    const deleted = await api.deleteImage(alice, image.imageId);
    expect(deleted.status).toBe(202);
    const after = await settled(alice, image.imageId, 'deleted');
    expect(after.thumbnails).toEqual([]);
    expect(await objectExists(names.uploads, image.key)).toBe(false);
    expect(await thumbnailsOf()).toEqual([]);
    expect((await api.list(alice)).body.images.map((i) => i.imageId)).not.toContain(image.imageId);
    expect((await api.search(alice, 'delete')).body.images.map((i) => i.imageId)).not.toContain(
      image.imageId,
    );
    expect((await api.deleteImage(alice, image.imageId)).status).toBe(404);
  });
});
