/**
 * Samples the local pipeline once a second (queue depths, invocations and messages in flight,
 * retries) and this process's resident memory more often, for its peak. The functions run in worker
 * threads of this process, so its RSS covers them, the backend and the stored objects.
 */
import type { ConsumerStatus, LocalPipeline } from '../../local/emulator';
import { consumerLabel } from '../../local/tools/status-line';
import type { Sample } from '../types';

export interface Sampler {
  /** Every sample so far, oldest first. */
  readonly samples: readonly Sample[];
  latest(): Sample | undefined;
  /** The highest RSS, and RSS less stored objects, since start or the last reset, in bytes. */
  peaks(): { readonly rss: number; readonly workingSet: number };
  resetPeaks(): void;
  /** Takes one sample now (also a run's baseline). */
  sample(): Promise<Sample>;
  stop(): Promise<void>;
}

/** What a sample keeps of the runtime's status for each consumer. */
const sampledCounts = [
  'backlog',
  'notVisible',
  'messagesInFlight',
  'invocationsInFlight',
  'concurrency',
  'deleted',
  'retried',
  'dlqDepth',
] as const;
export type ConsumerSample = Pick<ConsumerStatus, (typeof sampledCounts)[number]>;

const consumerSample = (status: ConsumerStatus) =>
  Object.fromEntries(sampledCounts.map((count) => [count, status[count]])) as ConsumerSample;

const consumerSamples = async (pipeline: Pick<LocalPipeline, 'status'>) =>
  Object.fromEntries(
    (await pipeline.status()).map((status) => [consumerLabel(status.functionName), consumerSample(status)]),
  );

export const startSampler = (pipeline: Pick<LocalPipeline, 'status'>): Sampler => {
  const samples: Sample[] = [];
  let peaks = { rss: 0, workingSet: 0 };
  const measure = () => {
    const { rss, arrayBuffers } = process.memoryUsage();
    peaks = { rss: Math.max(peaks.rss, rss), workingSet: Math.max(peaks.workingSet, rss - arrayBuffers) };
    return { rssBytes: rss, storedBytes: arrayBuffers };
  };
  const memoryTimer = setInterval(measure, 200);
  const sample = async () => {
    const consumers = await consumerSamples(pipeline);
    const taken: Sample = { at: Date.now(), ...measure(), consumers };
    samples.push(taken);
    return taken;
  };
  let pending: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    // A slow status call is never stacked on another one.
    pending ??= sample()
      .catch(() => undefined)
      .finally(() => {
        pending = undefined;
      });
  }, 1_000);
  measure();
  return {
    samples,
    latest: () => samples.at(-1),
    peaks: () => peaks,
    resetPeaks: () => {
      peaks = { rss: 0, workingSet: 0 };
      measure();
    },
    sample,
    async stop() {
      clearInterval(timer);
      clearInterval(memoryTimer);
      await pending;
    },
  };
};
