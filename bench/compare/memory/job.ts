import { createAwsClients } from '../../../lambdas/shared/clients';
import type { ConsumerName } from '../../../lambdas/shared/constants';
import { type BenchObject, createSequencer, uploadBatch } from '../events';
import { peakRssMb, rssMb, startRssSampler } from '../measure';
import { handlerFor, type Target } from '../wiring';

export interface MemoryJob {
  readonly kind: 'memory';
  readonly target: Target;
  readonly consumer: ConsumerName;
  /** One invocation's batch: each a copy of the same image under its own key. */
  readonly objects: readonly BenchObject[];
  readonly recordConcurrency: number;
  /** Invocations in a row (a warm environment keeps its heap and its malloc arenas). */
  readonly invocations: number;
}

export interface MemoryResult {
  readonly loadedRssMb: number;
  readonly firstPeakRssMb: number;
  readonly peakRssMb: number;
  readonly sampledPeakRssMb: number;
  readonly seconds: number;
  readonly created: number;
  readonly failed: number;
  readonly retried: number;
}

/** A cold environment: the handler is built, then invoked on batches of images at the pixel limit. */
export const runMemoryJob = async (job: MemoryJob): Promise<MemoryResult> => {
  const { target } = job;
  const nextSequencer = createSequencer();
  const { handler, counts } = handlerFor(job.consumer, createAwsClients(), target, {
    recordConcurrency: job.recordConcurrency,
  });
  const loadedRssMb = rssMb();
  const sampler = startRssSampler();
  let firstPeakRssMb = 0;
  let retried = 0;
  const started = performance.now();
  for (let invocation = 0; invocation < job.invocations; invocation++) {
    const response = await handler(
      uploadBatch(target.uploadsBucket, job.objects, nextSequencer, target.region),
    );
    retried += response.batchItemFailures.length;
    if (invocation === 0) firstPeakRssMb = peakRssMb();
  }
  return {
    loadedRssMb,
    firstPeakRssMb,
    peakRssMb: peakRssMb(),
    sampledPeakRssMb: sampler.stop(),
    seconds: (performance.now() - started) / 1000,
    created: counts.created,
    failed: counts.failed,
    retried,
  };
};
