/**
 * Samples the local pipeline once a second (queue depths, invocations and messages in flight,
 * retries) and this process's resident memory more often, for its peak. The functions run in worker
 * threads of this process, so its RSS covers them, the backend and the stored objects.
 */

import type { ConsumerStatus } from '../local/emulator';
import { consumerLabel } from '../local/tools';
import type { ConsumerSample, Sample } from './types';

export interface StatusSource {
  status(): Promise<readonly ConsumerStatus[]>;
}

export interface Sampler {
  /** Every sample so far, oldest first. */
  readonly samples: readonly Sample[];
  latest(): Sample | undefined;
  /** The highest RSS seen since start (or since the last reset), in bytes. */
  peakRss(): number;
  /** The highest RSS less stored objects (ArrayBuffers of this thread) since start or the last reset. */
  peakWorkingSet(): number;
  resetPeak(): void;
  /** Takes one sample now (also used to get a baseline before a run). */
  sample(): Promise<Sample>;
  stop(): Promise<void>;
}

export const toConsumerSamples = (statuses: readonly ConsumerStatus[]): Record<string, ConsumerSample> =>
  Object.fromEntries(
    statuses.map((status) => [
      consumerLabel(status.functionName),
      {
        backlog: status.backlog,
        notVisible: status.notVisible,
        messagesInFlight: status.messagesInFlight,
        invocationsInFlight: status.invocationsInFlight,
        concurrency: status.concurrency,
        deleted: status.deleted,
        retried: status.retried,
        dlqDepth: status.dlqDepth,
      },
    ]),
  );

export const startSampler = (
  source: StatusSource,
  options: { intervalMs?: number; memoryIntervalMs?: number; onSample?: (sample: Sample) => void } = {},
): Sampler => {
  const samples: Sample[] = [];
  let peak = 0;
  let peakWorking = 0;
  const measure = () => {
    const { rss, arrayBuffers } = process.memoryUsage();
    peak = Math.max(peak, rss);
    peakWorking = Math.max(peakWorking, rss - arrayBuffers);
    return { rssBytes: rss, storedBytes: arrayBuffers };
  };
  measure();
  const memoryTimer = setInterval(measure, options.memoryIntervalMs ?? 200);
  let pending: Promise<Sample> | undefined;
  const sample = async () => {
    const statuses = await source.status();
    const taken: Sample = { at: Date.now(), ...measure(), consumers: toConsumerSamples(statuses) };
    samples.push(taken);
    options.onSample?.(taken);
    return taken;
  };
  const timer = setInterval(() => {
    // A slow status call is never stacked on another one.
    if (pending !== undefined) return;
    pending = sample()
      .catch(() => samples.at(-1) as Sample)
      .finally(() => {
        pending = undefined;
      });
  }, options.intervalMs ?? 1_000);
  return {
    samples,
    latest: () => samples.at(-1),
    peakRss: () => peak,
    peakWorkingSet: () => peakWorking,
    resetPeak: () => {
      peak = 0;
      peakWorking = 0;
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
