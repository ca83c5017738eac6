/**
 * The operator's tool against the synthesized stack on the embedded backend: what `image-fanout
 * --endpoint` does to a running `npm start`, through the same functions the command line calls.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, inject, it } from 'vitest';
import type { ConsumerName } from '../../lambdas/shared/constants';
import type { LocalPipeline } from '../../local/emulator';
import { listDeadLetters, showDeadLetter } from '../../ops/dead-letters';
import { type ImageReport, imageReport } from '../../ops/image';
import { redrive } from '../../ops/redrive';
import { reprocess } from '../../ops/reprocess';
import { type PipelineStatus, pipelineStatus } from '../../ops/status';
import type { Target } from '../../ops/target';
import { notAnImage, photoJpeg, pngWithAlpha } from '../../samples/images';
import { s3Event, s3Record } from '../helpers/events';
import { useOpsTarget } from '../helpers/ops-target';
import { waitFor } from '../helpers/wait';

const projectDir = fileURLToPath(new URL('../..', import.meta.url));
const assembly = inject('pipelineAssembly');
let pipeline: LocalPipeline;
let target: Target;
const { runtimeErrors } = useOpsTarget(assembly, (started) => {
  ({ pipeline, target } = started);
});

const upload = (key: string, body: Buffer, contentType = 'image/png') =>
  target.s3.send(
    new PutObjectCommand({ Bucket: target.uploadsBucket, Key: key, Body: body, ContentType: contentType }),
  );

const report = (key: string) => imageReport(target, key);

const until = <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 45_000) =>
  waitFor(probe, { what, timeoutMs, intervalMs: 200 });

const settled = (key: string) =>
  until(async () => {
    const standing = await report(key);
    return standing.settled ? standing : undefined;
  }, `every stage of ${key}`);

const stageOf = (standing: ImageReport, consumer: ConsumerName) =>
  standing.consumers.find((entry) => entry.consumer === consumer)?.stage;

const consumerStatus = (status: PipelineStatus, consumer: ConsumerName) =>
  status.consumers.find((entry) => entry.consumer === consumer);

/** The message S3 sent for an upload, as it reads once maxReceiveCount has put it in a DLQ. */
const putInDeadLetterQueue = (consumer: ConsumerName, key: string, sequencer: string) =>
  target.sqs.send(
    new SendMessageCommand({
      QueueUrl: target.consumers[consumer].deadLetterQueueUrl,
      MessageBody: JSON.stringify(s3Event(s3Record({ bucket: target.uploadsBucket, key, sequencer }))),
    }),
  );

describe('image-fanout against a running local pipeline', () => {
  it('lists a DLQ message with its image and why it failed, redrives it, and the consumer finishes it', async () => {
    // Prepare: the derived bucket is gone, so the thumbnail consumer fails (and retries) on an upload.
    await target.s3.send(new DeleteBucketCommand({ Bucket: target.derivedBucket }));
    const key = `${target.uploadsPrefix}ops/while-the-bucket-was-gone.png`;
    await upload(key, await pngWithAlpha());
    const failed = await until(async () => {
      const standing = await report(key);
      const thumbnail = standing.consumers.find((entry) => entry.consumer === 'thumbnail');
      return thumbnail?.lastFailure && stageOf(standing, 'metadata') ? standing : undefined;
    }, 'the thumbnail consumer to fail');
    await target.s3.send(new CreateBucketCommand({ Bucket: target.derivedBucket }));
    // The retried message would reach the DLQ after maxReceiveCount visibility timeouts: put it there now.
    const sequencer = stageOf(failed, 'metadata')?.sequencer as string;
    const { MessageId } = await putInDeadLetterQueue('thumbnail', key, sequencer);

    // Act and assess: status
    const status = await pipelineStatus(target);
    expect(consumerStatus(status, 'thumbnail')).toMatchObject({
      deadLetters: 1,
      oldestMessageAgeSeconds: null,
    });
    expect(consumerStatus(status, 'metadata')).toMatchObject({ deadLetters: 0, visible: 0, delayed: 0 });
    expect(status.oldestMessageAge).toMatch(/not available/);

    // dlq list: the image and why it failed; listing twice changes nothing but the receive count
    const [first] = await listDeadLetters(target, ['thumbnail']);
    const [second] = await listDeadLetters(target, ['thumbnail']);
    for (const listing of [first, second]) {
      expect(listing?.messages).toHaveLength(1);
      expect(listing?.messages[0]).toMatchObject({
        messageId: MessageId,
        content: 'events',
        images: [
          {
            bucket: target.uploadsBucket,
            key,
            event: 'created',
            failure: { errorName: 'NoSuchBucket', sameEvent: true, resolved: false },
          },
        ],
      });
      expect(listing?.messages[0]?.images[0]?.stage).toBeUndefined();
    }
    expect(second?.messages[0]?.receiveCount).toBe((first?.messages[0]?.receiveCount ?? 0) + 1);

    // dlq show: the whole message
    const shown = await showDeadLetter(target, 'thumbnail', MessageId as string);
    expect(JSON.parse(shown.body ?? '')).toMatchObject({ Records: [{ eventSource: 'aws:s3' }] });

    // dlq redrive: back to the queue, and the consumer makes the thumbnails
    const moved = await redrive(target, 'thumbnail');
    expect(moved.moved + (moved.method === 'move-task' ? 0 : moved.notDeleted)).toBe(1);
    const done = await until(async () => {
      const standing = await report(key);
      return stageOf(standing, 'thumbnail')?.status === 'processed' ? standing : undefined;
    }, 'the redriven thumbnail');
    expect(done.thumbnails.length).toBeGreaterThan(0);
    expect(done.thumbnails.every((thumbnail) => thumbnail.present)).toBe(true);
    expect(done.consumers.find((entry) => entry.consumer === 'thumbnail')?.lastFailure?.resolved).toBe(true);
    expect(consumerStatus(await pipelineStatus(target), 'thumbnail')?.deadLetters).toBe(0);
  }, 90_000);

  it('loses nothing when a redrive stops halfway and is run again', async () => {
    // Uploaded outside the notified prefix: the only events for these images are the ones in the DLQ.
    const body = await pngWithAlpha({ seed: 7 });
    const keys = Array.from({ length: 12 }, (_, i) => `manual/ops/halfway-${i}.png`);
    for (const [i, key] of keys.entries()) {
      await upload(key, body);
      await putInDeadLetterQueue('metadata', key, (0x5000 + i).toString(16));
    }

    const halfway = await redrive(target, 'metadata', { limit: 10 });
    expect(halfway).toMatchObject({ method: 'receive-send-delete', moved: 10, stoppedBy: 'limit' });
    expect(consumerStatus(await pipelineStatus(target), 'metadata')?.deadLetters).toBe(2);

    await redrive(target, 'metadata');
    const standings = await until(async () => {
      const all = await Promise.all(keys.map((key) => report(key)));
      return all.every((standing) => stageOf(standing, 'metadata')?.status === 'processed') ? all : undefined;
    }, 'all twelve images through metadata');
    expect(standings).toHaveLength(12);
    expect(consumerStatus(await pipelineStatus(target), 'metadata')?.deadLetters).toBe(0);
  }, 60_000);

  it('reprocesses an image through the chosen consumer only', async () => {
    const key = `${target.uploadsPrefix}ops/redo me.jpg`;
    await upload(key, await photoJpeg({ width: 320, height: 240 }), 'image/jpeg');
    const before = await settled(key);
    const lost = before.thumbnails[0]?.key as string;
    await target.s3.send(new DeleteObjectCommand({ Bucket: target.derivedBucket, Key: lost }));
    expect((await report(key)).thumbnails.find((thumbnail) => thumbnail.key === lost)?.present).toBe(false);

    const result = await reprocess(target, key, ['thumbnail']);
    expect(result.consumers).toEqual([
      expect.objectContaining({
        consumer: 'thumbnail',
        sent: true,
        sequencer: stageOf(before, 'thumbnail')?.sequencer,
      }),
    ]);
    const after = await until(async () => {
      const standing = await report(key);
      const updated = stageOf(standing, 'thumbnail')?.updatedAt ?? '';
      return updated > (stageOf(before, 'thumbnail')?.updatedAt ?? '') ? standing : undefined;
    }, 'the thumbnail consumer to redo the image');
    expect(after.thumbnails.every((thumbnail) => thumbnail.present)).toBe(true);
    expect(stageOf(after, 'thumbnail')?.sequencer).toBe(stageOf(before, 'thumbnail')?.sequencer);
    for (const consumer of ['moderation', 'metadata', 'indexing'] as const) {
      expect(stageOf(after, consumer)).toEqual(stageOf(before, consumer));
    }
  }, 60_000);

  it('refuses to reprocess an upload that is not there', async () => {
    await expect(
      reprocess(target, `${target.uploadsPrefix}ops/never-uploaded.jpg`, ['metadata']),
    ).rejects.toThrow(/does not exist/);
  });

  it('shows where an image stands: rejected with its reason, or unknown', async () => {
    const key = `${target.uploadsPrefix}ops/notes.jpg`;
    await upload(key, notAnImage(), 'image/jpeg');
    const standing = await settled(key);
    expect(standing.upload).toMatchObject({ bytes: notAnImage().length });
    for (const entry of standing.consumers) {
      expect(entry.stage).toMatchObject({ status: 'rejected', reasonCode: 'not-an-image' });
      expect(entry.lastFailure).toBeUndefined();
    }
    const unknown = await report(`${target.uploadsPrefix}ops/nothing-here.jpg`);
    expect(unknown).toMatchObject({ settled: false, thumbnails: [] });
    expect(unknown.upload).toBeUndefined();
    expect(unknown.consumers.every((entry) => entry.stage === undefined)).toBe(true);
  });

  it('runs as the package bin', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, AWS_ENDPOINT_URL: '', AWS_REGION: pipeline.region };
    const args = ['ops/bin.mjs', 'status', '--endpoint', pipeline.endpoint, '--cdk-out', assembly, '--json'];
    const { stdout } = await run(process.execPath, args, { cwd: projectDir, env });
    const status = JSON.parse(stdout) as PipelineStatus;
    expect(status.consumers.map((entry) => entry.consumer)).toEqual([
      'thumbnail',
      'moderation',
      'metadata',
      'indexing',
    ]);
    expect(status.consumers.every((entry) => entry.deadLetters === 0)).toBe(true);

    const wrong = await run(process.execPath, ['ops/bin.mjs', 'dlq', 'list', 'thumbnails'], {
      cwd: projectDir,
      env,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(wrong).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown consumer "thumbnails"/) });
  }, 30_000);

  it('met no runtime errors', () => {
    expect(runtimeErrors).toEqual([]);
  });
});
