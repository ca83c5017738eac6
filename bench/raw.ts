/**
 * The raw compute bound: the same four consumers' work on the same images, with the same bundles,
 * function hosts and concurrency, but no queues. The objects are uploaded first; then each host is
 * invoked directly with SQS events built here (batches of the mapping's size, all four consumers at
 * once, the host's FIFO wait doing what a full queue would) until every image is done.
 */
import { createHash, randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { stackOutputs } from '../lambdas/shared/constants';
import { createFunctionHost, type FunctionHost, s3EventMessage, startLocalPipeline } from '../local/emulator';
import type { BenchImage } from './images';
import { runLoad } from './load';
import {
  type ConsumerSetup,
  consumerSetups,
  hostEnvironment,
  outputOf,
  type PipelineTuning,
} from './pipeline';
import { allDone, allDoneAt, stageReader } from './stages';
import { cpuSince, round } from './stats';
import type { RawBoundResult, UploadRecord } from './types';

export interface RawBoundOptions extends PipelineTuning {
  readonly cloudAssemblyDir: string;
  readonly images: readonly BenchImage[];
  readonly count: number;
  readonly runId: string;
  /**
   * The pipeline's warm-up, done here too before the clock starts: the same images, spread over
   * every environment of each consumer, so both sides start equally warm.
   */
  readonly warmup: { readonly images: readonly BenchImage[]; readonly count: number };
  readonly onProgress?: (done: number, total: number, phase: string) => void;
}

let sequence = 0;

/** The SQS record the event source would hand the function for this upload (raw message delivery). */
const sqsRecordFor = (upload: UploadRecord, bucket: string, queueArn: string, region: string): SQSRecord => {
  const now = Date.now();
  const body = JSON.stringify(
    s3EventMessage(
      {
        eventName: 'ObjectCreated:Put',
        bucket,
        key: upload.key,
        size: upload.bytes,
        sequencer: (now * 1000 + (sequence++ % 1000)).toString(16).toUpperCase(),
        time: new Date(upload.endedAt),
        sourceIp: '127.0.0.1',
        requestId: randomUUID(),
      },
      'bench-raw',
      region,
    ),
  );
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(now),
      SenderId: 'AIDAIBENCHRAW',
      ApproximateFirstReceiveTimestamp: String(now),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
};

/** Invokes until every record has succeeded, retrying what a batch reports as failed (as SQS would). */
const invokeUntilDone = async (host: FunctionHost, records: SQSRecord[], onDone: (n: number) => void) => {
  let pending = records;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt >= 5)
      throw new Error(`${host.functionName}: ${pending.length} records still failing after 5 tries`);
    const outcome = await host.invoke({ Records: pending } satisfies SQSEvent);
    if (outcome.status !== 'ok') continue;
    const failures = (outcome.result as { batchItemFailures?: { itemIdentifier: string }[] } | null)
      ?.batchItemFailures;
    const failed = new Set((failures ?? []).map((failure) => failure.itemIdentifier));
    onDone(pending.length - failed.size);
    pending = pending.filter((record) => failed.has(record.messageId));
  }
};

const chunk = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

export const runRawBound = async (options: RawBoundOptions): Promise<RawBoundResult> => {
  // The backend and resources only: the event sources are not started, the hosts are ours.
  const pipeline = await startLocalPipeline({
    cloudAssemblyDir: options.cloudAssemblyDir,
    port: 0,
    backendOnly: true,
  });
  const hosts = new Map<ConsumerSetup, FunctionHost>();
  let probe: NodeJS.Timeout | undefined;
  let peak = process.memoryUsage.rss();
  const memoryTimer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 200);
  try {
    const { topology, region } = pipeline;
    const setups = consumerSetups(topology, options);
    const bucket = outputOf(topology, stackOutputs.uploadsBucketName);
    const prefix = `${topology.outputs[stackOutputs.uploadsPrefix] ?? ''}bench-${options.runId}-raw/`;
    const queueArnOf = (setup: ConsumerSetup) => setup.mapping.eventSourceArn;

    options.onProgress?.(0, options.count, 'uploading');
    const uploads = await runLoad({
      s3: pipeline.clients.s3,
      bucket,
      prefix,
      images: options.images,
      rate: 'max',
      count: options.count,
    });
    const warmups = await runLoad({
      s3: pipeline.clients.s3,
      bucket,
      prefix: `${prefix}warmup/`,
      images: options.warmup.images,
      rate: 'max',
      // At least one image for every environment.
      count: Math.max(options.warmup.count, ...setups.map((setup) => setup.concurrency)),
    });
    const failed = [...uploads, ...warmups].find((upload) => upload.error !== undefined);
    if (failed) throw new Error(`Upload of ${failed.key} failed: ${failed.error}`);
    // The bucket's notifications put these uploads in queues nobody reads: let that finish first.
    await pipeline.notificationsDelivered();

    for (const setup of setups) {
      hosts.set(
        setup,
        createFunctionHost(setup.fn, {
          environment: { ...hostEnvironment(pipeline.endpoint), ...options.functionEnvironment?.(setup.fn) },
          maxEnvironments: setup.concurrency,
        }),
      );
    }
    // Every environment started and through its share of the warm-up images (no batch above the
    // mapping's size), as in the warmed-up pipeline.
    options.onProgress?.(0, options.count, 'warming up');
    await Promise.all(
      [...hosts].flatMap(([setup, host]) => {
        const perBatch = Math.min(setup.mapping.batchSize, Math.ceil(warmups.length / setup.concurrency));
        return chunk(warmups, perBatch).map((batch) =>
          invokeUntilDone(
            host,
            batch.map((upload) => sqsRecordFor(upload, bucket, queueArnOf(setup), region)),
            () => undefined,
          ),
        );
      }),
    );

    // The pipeline runs are sampled once a second (a depth request per queue): so is this one, so
    // that both sides carry the same measuring overhead.
    probe = setInterval(() => {
      for (const queueUrl of pipeline.queueUrls.values()) {
        void pipeline.clients.sqs
          .send(
            new GetQueueAttributesCommand({
              QueueUrl: queueUrl,
              AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
            }),
          )
          .catch(() => undefined);
      }
    }, 1_000);
    let done = 0;
    const started = Date.now();
    const cpuAtStart = process.cpuUsage();
    await Promise.all(
      [...hosts].map(([setup, host]) => {
        const records = uploads.map((upload) => sqsRecordFor(upload, bucket, queueArnOf(setup), region));
        return Promise.all(
          chunk(records, setup.mapping.batchSize).map((batch) =>
            invokeUntilDone(host, batch, (n) => {
              done += n;
              options.onProgress?.(Math.floor(done / setups.length), options.count, 'measuring');
            }),
          ),
        );
      }),
    );
    const finished = Date.now();
    const cpu = cpuSince(cpuAtStart, options.count, finished - started);
    clearInterval(probe);

    const reader = stageReader(
      pipeline.clients.dynamo,
      outputOf(topology, stackOutputs.imagesTableName),
      bucket,
    );
    const stages = await reader.read(uploads.map((upload) => upload.key));
    const entries = uploads.map((upload) => stages.get(upload.key));
    const missing = entries.filter((entry) => !allDone(entry)).length;
    if (missing > 0)
      throw new Error(`${missing} images have no record from every consumer after the raw run`);
    const rate = (last: number) => round(options.count / ((last - started) / 1000), 3);
    return {
      images: options.count,
      endToEnd: rate(Math.max(...entries.map((entry) => allDoneAt(entry ?? {})))),
      perConsumer: Object.fromEntries(
        setups.map((setup) => [
          setup.label,
          rate(
            Math.max(...entries.map((entry) => entry?.[setup.label as keyof typeof entry]?.at ?? Number.NaN)),
          ),
        ]),
      ),
      seconds: round((finished - started) / 1000, 2),
      cpu,
      peakRssMb: Math.round(peak / 1e6),
      maxEnvironments: Object.fromEntries(setups.map((setup) => [setup.label, setup.concurrency])),
      batchSize: Object.fromEntries(setups.map((setup) => [setup.label, setup.mapping.batchSize])),
    };
  } finally {
    clearInterval(probe);
    clearInterval(memoryTimer);
    await Promise.all([...hosts.values()].map((host) => host.stop()));
    await pipeline.stop();
  }
};
