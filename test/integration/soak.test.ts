/**
 * The short soak: what `npm run soak` does with thousands of images, with a few dozen, under
 * every kind of injected fault at once. Every image must be accounted for.
 */
import { expect, inject, it } from 'vitest';
import type { LocalPipeline } from '../../local/emulator';
import { faultOptions, formatAccounting, formatStorm, parseFaults, runSoak } from '../../local/tools';
import { pipelineNames } from '../helpers/outputs';
import { useLocalPipeline } from '../helpers/pipeline';

let pipeline: LocalPipeline;
const { runtimeErrors } = useLocalPipeline(
  () => ({
    cloudAssemblyDir: inject('soakAssembly'),
    port: 0,
    maxConcurrency: 2,
    ...faultOptions(parseFaults('transient=0.1,slow=0.03,hang=0.01,throttle=0.05,duplicate=0.05')),
  }),
  (started) => {
    pipeline = started;
  },
);

it('accounts for every image under transient errors, slow and hanging records, throttling and duplicates', async () => {
  const names = pipelineNames(pipeline.topology.outputs);
  // Settling is luck: a record caught in a slow, hanging or failing attempt comes back after the
  // visibility timeout (15 s here), up to five times; a run took 70 s on 2 cores.
  const result = await runSoak(
    pipeline,
    { bucket: names.uploads, prefix: names.prefix },
    {
      count: 40,
      hostileShare: 0.1,
      settleTimeoutMs: 360_000,
      // Overwrites and deletes racing on four shared keys, under the same faults.
      storm: {
        keys: 4,
        operations: 40,
        onObjectEvent: (listener) => pipeline.backend?.onObjectEvent(listener),
      },
    },
  );
  const { counts } = result.accounting;
  const table = `${formatAccounting(result.accounting)}\n${formatStorm(result.storm)}`;
  // Each shared key is in the state of its newest event, or (as a soak image may be) waits in a DLQ.
  const stormDlq = result.storm.filter((key) => key.verdict === 'left in a DLQ (listed)').length;
  expect(result.storm.filter((key) => key.verdict === 'newest event').length + stormDlq, table).toBe(4);
  expect(stormDlq, table).toBeLessThanOrEqual(1);
  expect(counts, table).toMatchObject({ 'rejected with its reason': 4, unaccounted: 0, 'wrong outcome': 0 });
  // A good image whose message failed five deliveries in a row (a 10% transient rate, and a hang
  // fails its whole batch) is in a DLQ, listed with its image: accounted for, as the issue asks.
  // One clean-clone CI run in four had one such image; every other image was processed once.
  expect(counts['processed exactly once'] + counts['left in a DLQ (listed)'], table).toBe(36);
  expect(counts['left in a DLQ (listed)'], table).toBeLessThanOrEqual(2);
  // The faults did happen: the backend throttled, and consumers had records to retry.
  const consumers = await pipeline.status();
  expect(pipeline.backend?.throttled()).toBeGreaterThan(0);
  expect(consumers.reduce((sum, consumer) => sum + consumer.retried, 0)).toBeGreaterThan(0);
  expect(runtimeErrors).toEqual([]);
}, 420_000);
