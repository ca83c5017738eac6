/**
 * Back-pressure through the API on the local runtime. The test stack (local/tools/soak.ts) lets a queue
 * hold 60 messages, or what its consumer drains in 1 s, and the API reads the queues every second.
 * With the consumers held, uploads are accepted until the backlog reaches the limit, then refused
 * with 429; once the consumers run, the refusals carry a Retry-After from the measured drain rate;
 * once drained, uploads are accepted again, and every accepted upload is processed.
 */
import { afterAll, expect, inject, it } from 'vitest';
import { consumerNames } from '../../lambdas/shared/constants';
import type { EventSourceMappingSpec, LocalPipeline } from '../../local/emulator';
import { photoJpeg } from '../../samples/images';
import { createApiClient, postForm, type UploadGrant } from '../helpers/api';
import { useLocalPipeline } from '../helpers/pipeline';
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
const drainSeconds = 1;

let pipeline: LocalPipeline;
let api: ReturnType<typeof createApiClient>;
let token: string;
let body: Buffer;

// One message at a time per consumer: a drain slow enough to watch on two cores, and smooth
// enough (no batch of 25 leaving at once) to compare the API's rate with the consumers' counts.
const oneAtATime = () => ({
  cloudAssemblyDir: inject('soakAssembly'),
  port: 0,
  maxConcurrency: 1,
  adjustMapping: (mapping: EventSourceMappingSpec) => ({
    ...mapping,
    batchSize: 1,
    maximumBatchingWindowSeconds: 0,
  }),
});

useLocalPipeline(oneAtATime, async (started) => {
  pipeline = started;
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

afterAll(() => {
  pipeline?.holdConsumers(false);
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

type Answer = Awaited<ReturnType<typeof ask>>;
interface Sampled {
  readonly at: number;
  readonly finished: Record<string, number>;
}

/** Step 1, consumers held: uploads until the first 429, every one before it accepted and uploaded. */
const fillUntilRefused = async (accepted: UploadGrant[]) => {
  let refusal: Answer | undefined;
  while (refusal === undefined && accepted.length < maxBacklog + 20) {
    const answer = await ask();
    if (answer.status === 429) refusal = answer;
    else {
      expect(answer.status).toBe(201);
      accepted.push(answer.body);
      await uploadWith(answer.body);
    }
  }
  if (refusal === undefined) throw new Error(`${accepted.length} uploads accepted, none refused`);
  return { headers: refusal.headers, body: refusal.body as unknown as Refusal };
};

/** Step 2, consumers running: asks every 100 ms until accepted; every refusal's Retry-After checked. */
const askUntilAccepted = async () => {
  const samples: Sampled[] = [];
  const measured: { at: number; refusal: Refusal }[] = [];
  const seen: string[] = [];
  const reopened = await waitFor(
    async () => {
      samples.push({ at: Date.now(), finished: await finished() });
      const answer = await ask();
      if (answer.status === 201) return answer.body;
      expect(answer.status).toBe(429);
      const refusal = answer.body as unknown as Refusal;
      expect(answer.headers.get('retry-after')).toBe(String(refusal.retryAfterSeconds));
      expect(refusal.retryAfterSeconds).toBe(expectedRetryAfter(refusal));
      if (refusal.queues.some((queue) => queue.drainRatePerSecond !== undefined)) {
        measured.push({ at: Date.now(), refusal });
      }
      seen.push(
        refusal.queues
          .map((q) => `${q.consumer} ${q.backlog}/${q.limit}@${q.drainRatePerSecond ?? '-'}`)
          .join(' '),
      );
      return undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: 'an upload accepted once the backlog drained' },
  );
  return { reopened, samples, measured, seen };
};

/** What a consumer finished per second over the 6 s before `at`, by its event source's own count. */
const observedRate = (samples: readonly Sampled[], consumer: string, at: number) => {
  const end = samples.filter((sample) => sample.at <= at).at(-1) ?? samples[0];
  const start = samples.find((sample) => sample.at >= at - 6_000) ?? samples[0];
  const fn = Object.keys(end?.finished ?? {}).find((name) =>
    name.toLowerCase().includes(`${consumer}function`),
  );
  const done = (end?.finished[fn ?? ''] ?? 0) - (start?.finished[fn ?? ''] ?? 0);
  return done / (((end?.at ?? 0) - (start?.at ?? 0)) / 1000);
};

/** Step 3: every accepted upload through all four stages, nothing in a DLQ. */
const expectAllProcessed = async (accepted: readonly UploadGrant[]) => {
  const answers = await waitFor(
    async () => {
      const all = await Promise.all(accepted.map((grant) => api.image(token, grant.imageId)));
      return all.every((answer) => answer.status === 200 && answer.body.settled === true) ? all : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 1_000, what: `all ${accepted.length} accepted uploads processed` },
  );
  for (const answer of answers) {
    const stages = answer.body.stages as Record<string, { status: string }>;
    for (const consumer of consumerNames) expect(stages[consumer]?.status).toBe('processed');
  }
  for (const status of await pipeline.status()) expect(status.dlqDepth).toBe(0);
};

it('accepts until the backlog reaches the limit, refuses with a Retry-After from the drain rate, then accepts again, losing nothing', async () => {
  const accepted: UploadGrant[] = [];
  pipeline.holdConsumers(true);
  const refusal = await fillUntilRefused(accepted);
  // An upload accepted just before a reading may not be queued yet when it is read: a few more get in.
  expect(accepted.length).toBeGreaterThanOrEqual(maxBacklog);
  expect(accepted.length).toBeLessThanOrEqual(maxBacklog + 3);
  expect(refusal.body.queues.map((queue) => queue.consumer).sort()).toEqual([...consumerNames].sort());
  for (const queue of refusal.body.queues) expect(queue).toMatchObject({ limit: maxBacklog });
  // Nothing is draining, so no rate: come back after the drain time.
  expect(refusal.headers.get('retry-after')).toBe(String(drainSeconds));
  expect(refusal.body.retryAfterSeconds).toBe(drainSeconds);
  expect((await ask()).status).toBe(429);

  pipeline.holdConsumers(false);
  const { reopened, samples, measured, seen } = await askUntilAccepted();
  accepted.push(reopened);
  await uploadWith(reopened);
  // The API averages its last 6 one-second readings: its rate agrees with what the consumer did then.
  const last = measured.at(-1);
  if (last === undefined) throw new Error(`No refusal carried a measured drain rate:\n${seen.join('\n')}`);
  // Only the queues still draining then: an emptied queue keeps its last rate, but drains no more.
  const measuredQueues = last.refusal.queues.filter(
    (queue) => queue.drainRatePerSecond !== undefined && queue.backlog >= queue.limit,
  );
  expect(measuredQueues.length).toBeGreaterThan(0);
  for (const queue of measuredQueues) {
    const observed = observedRate(samples, queue.consumer, last.at);
    const why = `${queue.consumer}: ${queue.drainRatePerSecond}/s measured, ${observed}/s observed`;
    expect(queue.drainRatePerSecond, why).toBeGreaterThan(observed / 2);
    expect(queue.drainRatePerSecond, why).toBeLessThan(observed * 2);
  }

  await expectAllProcessed(accepted);
}, 240_000);
