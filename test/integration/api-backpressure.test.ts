/**
 * Back-pressure through the API on the local runtime. The test stack (local/soak.ts) lets a queue
 * hold 60 messages, or what its consumer drains in 2 s, and the API reads the queues every second.
 * With the consumers held, uploads are accepted until the backlog reaches the limit, then refused
 * with 429; once the consumers run, the refusals carry a Retry-After from the measured drain rate;
 * once drained, uploads are accepted again, and every accepted upload is processed.
 */
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { consumerNames } from '../../lambdas/shared/constants';
import { type LocalPipeline, startLocalPipeline } from '../../local/runtime';
import { photoJpeg } from '../../samples/images';
import { createApiClient, postForm, type UploadGrant } from '../helpers/api';
import { waitFor } from '../helpers/wait';

interface QueueVerdict {
  readonly consumer: string;
  readonly backlog: number;
  readonly limit: number;
  readonly drainRatePerSecond?: number;
}
interface Refusal {
  readonly retryAfterSeconds: number;
  readonly queues: readonly QueueVerdict[];
}

const maxBacklog = 60;
const drainSeconds = 2;

let pipeline: LocalPipeline;
let api: ReturnType<typeof createApiClient>;
let token: string;
let body: Buffer;

beforeAll(async () => {
  // One invocation at a time per consumer: a drain slow enough to watch on two cores.
  pipeline = await startLocalPipeline({
    cloudAssemblyDir: inject('soakAssembly'),
    port: 0,
    maxConcurrency: 1,
  });
  api = createApiClient(pipeline.httpApis[0]?.url ?? '');
  token = await pipeline.issueToken({ sub: 'carol' });
  body = await photoJpeg({ width: 1600, height: 1200, seed: 4 });
  // The s3:TestEvent messages of start-up are through: the queues start empty.
  await pipeline.notificationsDelivered();
  await waitFor(
    async () =>
      (await pipeline.status()).every(
        (s) => s.backlog === 0 && s.notVisible === 0 && s.messagesInFlight === 0,
      )
        ? true
        : undefined,
    { timeoutMs: 30_000, what: 'empty queues' },
  );
});

afterAll(async () => {
  pipeline?.holdConsumers(false);
  await pipeline?.stop();
});

const ask = () =>
  api.requestUpload(token, { filename: 'burst.jpg', contentType: 'image/jpeg', size: body.length });

const uploadWith = async (grant: UploadGrant) => {
  const posted = await postForm(grant, { body, filename: 'burst.jpg' });
  expect(posted.status, posted.text).toBe(204);
};

/** What Retry-After must be for a refusal: the slowest queue's excess over its limit at its rate. */
const expectedRetryAfter = (refusal: Refusal) =>
  Math.max(
    ...refusal.queues
      .filter((queue) => queue.backlog >= queue.limit)
      .map((queue) =>
        queue.drainRatePerSecond === undefined || queue.drainRatePerSecond <= 0
          ? drainSeconds
          : Math.max(1, Math.ceil((queue.backlog - queue.limit + 1) / queue.drainRatePerSecond)),
      ),
  );

/** Messages every consumer has finished with, from the event sources' own counts. */
const finished = async () =>
  Object.fromEntries((await pipeline.status()).map((s) => [s.functionName, s.deleted]));

it('accepts until the backlog reaches the limit, refuses with a Retry-After from the drain rate, then accepts again, losing nothing', async () => {
  const accepted: UploadGrant[] = [];
  pipeline.holdConsumers(true);

  // 1. Consumers held: every upload is accepted until the queues hold the limit.
  let refusal: { status: number; headers: Headers; body: Refusal } | undefined;
  while (refusal === undefined && accepted.length < maxBacklog + 20) {
    const answer = await ask();
    if (answer.status === 429) refusal = answer as unknown as typeof refusal;
    else {
      expect(answer.status).toBe(201);
      accepted.push(answer.body);
      await uploadWith(answer.body);
    }
  }
  if (refusal === undefined) throw new Error(`${accepted.length} uploads accepted, none refused`);
  // An upload accepted just before a reading may not be queued yet when it is read: a few more get in.
  expect(accepted.length).toBeGreaterThanOrEqual(maxBacklog);
  expect(accepted.length).toBeLessThanOrEqual(maxBacklog + 3);
  expect(refusal.body.queues.map((queue) => queue.consumer).sort()).toEqual([...consumerNames].sort());
  for (const queue of refusal.body.queues) expect(queue).toMatchObject({ limit: maxBacklog });
  // Nothing is draining, so no rate: come back after the drain time.
  expect(refusal.headers.get('retry-after')).toBe(String(drainSeconds));
  expect(refusal.body.retryAfterSeconds).toBe(drainSeconds);
  expect((await ask()).status).toBe(429);

  // 2. Consumers running: refusals now carry the measured drain rate, until the backlog fits.
  pipeline.holdConsumers(false);
  const samples: { at: number; finished: Record<string, number> }[] = [];
  const measured: { at: number; refusal: Refusal }[] = [];
  let reopened: UploadGrant | undefined;
  await waitFor(
    async () => {
      samples.push({ at: Date.now(), finished: await finished() });
      const answer = await ask();
      if (answer.status === 201) reopened = answer.body;
      else {
        expect(answer.status).toBe(429);
        const body = answer.body as unknown as Refusal;
        expect(answer.headers.get('retry-after')).toBe(String(body.retryAfterSeconds));
        expect(body.retryAfterSeconds).toBe(expectedRetryAfter(body));
        if (body.queues.some((queue) => queue.drainRatePerSecond !== undefined)) {
          measured.push({ at: Date.now(), refusal: body });
        }
      }
      return reopened;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: 'an upload accepted once the backlog drained' },
  );
  if (reopened !== undefined) {
    accepted.push(reopened);
    await uploadWith(reopened);
  }
  expect(measured.length).toBeGreaterThan(0);

  // The rate the API measured agrees with what that consumer did over the same last seconds (the
  // API averages its last 6 one-second readings), by the consumer's own count of finished messages.
  const last = measured.at(-1) as (typeof measured)[number];
  const end = samples.filter((sample) => sample.at <= last.at).at(-1) ?? samples[0];
  const start = samples.find((sample) => sample.at >= last.at - 6_000) ?? samples[0];
  const observedRate = (consumer: string) => {
    const fn = Object.keys(end?.finished ?? {}).find((name) =>
      name.toLowerCase().includes(`${consumer}function`),
    );
    const done = (end?.finished[fn ?? ''] ?? 0) - (start?.finished[fn ?? ''] ?? 0);
    return done / (((end?.at ?? 0) - (start?.at ?? 0)) / 1000);
  };
  const refusing = last.refusal.queues.filter((queue) => queue.backlog >= queue.limit);
  expect(refusing.length).toBeGreaterThan(0);
  for (const queue of refusing) {
    const observed = observedRate(queue.consumer);
    expect(queue.drainRatePerSecond, `${queue.consumer}: ${observed}/s observed`).toBeGreaterThan(
      observed / 2,
    );
    expect(queue.drainRatePerSecond, `${queue.consumer}: ${observed}/s observed`).toBeLessThan(observed * 2);
  }

  // 3. Every accepted upload reaches all four stages; nothing in a DLQ.
  await waitFor(
    async () => {
      const answers = await Promise.all(accepted.map((grant) => api.image(token, grant.imageId)));
      const done = answers.filter((answer) => answer.status === 200 && answer.body.settled === true);
      return done.length === accepted.length ? answers : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 1_000, what: `all ${accepted.length} accepted uploads processed` },
  ).then((answers) => {
    for (const answer of answers) {
      const stages = answer.body.stages as Record<string, { status: string }>;
      for (const consumer of consumerNames) expect(stages[consumer]?.status).toBe('processed');
    }
  });
  for (const status of await pipeline.status()) expect(status.dlqDepth).toBe(0);
}, 240_000);
