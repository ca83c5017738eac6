import { createAwsClients } from '../../../lambdas/shared/clients';
import { type BenchObject, createSequencer, uploadBatch } from '../events';
import { peakRssMb, rssMb, startRssSampler } from '../measure';
import { handlerFor, type Target } from '../wiring';

export interface RecordConcurrencyJob {
  readonly kind: 'record-concurrency';
  readonly target: Target;
  /** One batch: every object is one record. */
  readonly objects: readonly BenchObject[];
  /** A small image worked on first, so that loading sharp and connecting is not timed. */
  readonly warmup: BenchObject;
  readonly recordConcurrency: number;
  readonly batches: number;
}

export interface RecordConcurrencyResult {
  readonly images: number;
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly sampledPeakRssMb: number;
  /** RSS after the warm-up, before the measured batches. */
  readonly warmRssMb: number;
  readonly created: number;
  readonly failed: number;
}

/** The thumbnail consumer on one batch of large images, `recordConcurrency` of them at once. */
export const runRecordConcurrencyJob = async (
  job: RecordConcurrencyJob,
): Promise<RecordConcurrencyResult> => {
  const { target } = job;
  const nextSequencer = createSequencer();
  const { handler, counts } = handlerFor('thumbnail', createAwsClients(), target, {
    recordConcurrency: job.recordConcurrency,
  });
  await handler(uploadBatch(target.uploadsBucket, [job.warmup], nextSequencer, target.region));
  const warmRssMb = rssMb();
  counts.created = 0;
  const sampler = startRssSampler();
  let seconds = 0;
  for (let batch = 0; batch < job.batches; batch++) {
    const event = uploadBatch(target.uploadsBucket, job.objects, nextSequencer, target.region);
    const started = performance.now();
    const response = await handler(event);
    seconds += (performance.now() - started) / 1000;
    if (response.batchItemFailures.length > 0) {
      throw new Error(`${response.batchItemFailures.length} records failed`);
    }
  }
  return {
    images: job.objects.length * job.batches,
    seconds,
    peakRssMb: peakRssMb(),
    sampledPeakRssMb: sampler.stop(),
    warmRssMb,
    created: counts.created,
    failed: counts.failed,
  };
};
