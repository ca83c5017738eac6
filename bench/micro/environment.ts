/**
 * What the micro comparisons share: one embedded backend (S3, SQS, DynamoDB) with the stack's table
 * schema and two buckets, the objects they upload, and a way to run a job in a process of its own
 * that talks to that backend as a function would (endpoint and credentials in its environment).
 */
import { CreateBucketCommand, DeleteObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  createLocalClients,
  emulatorFunctionEnvironment,
  type LocalClients,
  startEmbeddedBackend,
} from '../../local/emulator';
import { createImagesTable } from '../../samples/tables';
import type { BenchObject } from '../events';
import type { MicroPlan } from '../plan';
import type { JobInput, JobName, JobOutput } from './jobs';
import { prepareWorker, runJob } from './spawn';

/** Where a job's consumer works: the parent's backend, reached through AWS_ENDPOINT_URL. */
export interface Target {
  readonly region: string;
  readonly tableName: string;
  readonly uploadsBucket: string;
  readonly derivedBucket: string;
}

export interface Micro {
  readonly endpoint: string;
  readonly port: number;
  readonly target: Target;
  readonly clients: LocalClients;
  readonly plan: MicroPlan;
  readonly log: (line: string) => void;
  /** Puts the bodies under `uploads/bench/<group>/<i>.jpg`, round and round until `count` objects. */
  upload(group: string, bodies: readonly Buffer[], count: number): Promise<BenchObject[]>;
  remove(objects: readonly BenchObject[]): Promise<void>;
  run<N extends JobName>(
    name: N,
    input: JobInput<N>,
    environment?: Readonly<Record<string, string>>,
  ): Promise<JobOutput<N>>;
  stop(): Promise<void>;
}

export const startMicro = async (plan: MicroPlan, log: (line: string) => void): Promise<Micro> => {
  const [worker, backend] = await Promise.all([
    prepareWorker(),
    startEmbeddedBackend({ port: 0, retentionSweepMs: 0 }),
  ]);
  const clients = createLocalClients(backend.endpoint, backend.region);
  const target: Target = {
    region: backend.region,
    tableName: 'bench-images',
    uploadsBucket: 'bench-uploads',
    derivedBucket: 'bench-derived',
  };
  await createImagesTable(clients.dynamo, target.tableName);
  for (const Bucket of [target.uploadsBucket, target.derivedBucket]) {
    await clients.s3.send(new CreateBucketCommand({ Bucket }));
  }
  // As the local runtime gives its functions; the handlers read their table and bucket from here.
  const childEnvironment = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    LANG: 'en_US.UTF-8',
    TZ: 'UTC',
    AWS_REGION: target.region,
    ...emulatorFunctionEnvironment(backend.endpoint),
    TABLE_NAME: target.tableName,
    DERIVED_BUCKET: target.derivedBucket,
  };
  log(
    `jobs run from ${worker.includes('tsx') ? 'tsx' : 'an esbuild bundle'}; backend at ${backend.endpoint}`,
  );
  return {
    endpoint: backend.endpoint,
    port: backend.port,
    target,
    clients,
    plan,
    log,
    async upload(group, bodies, count) {
      const objects: BenchObject[] = [];
      for (let i = 0; i < count; i++) {
        const body = bodies[i % bodies.length] as Buffer;
        const key = `uploads/bench/${group}/${String(i).padStart(4, '0')}.jpg`;
        const Metadata = { title: `bench photo ${i % bodies.length}` };
        const [Bucket, ContentType] = [target.uploadsBucket, 'image/jpeg'];
        await clients.s3.send(new PutObjectCommand({ Bucket, Key: key, Body: body, ContentType, Metadata }));
        objects.push({ key, size: body.length });
      }
      return objects;
    },
    async remove(objects) {
      for (let i = 0; i < objects.length; i += 1000) {
        const Objects = objects.slice(i, i + 1000).map(({ key }) => ({ Key: key }));
        await clients.s3.send(
          new DeleteObjectsCommand({ Bucket: target.uploadsBucket, Delete: { Objects, Quiet: true } }),
        );
      }
    },
    run: (name, input, environment = {}) =>
      runJob(worker, name, input, { ...childEnvironment, ...environment }),
    async stop() {
      clients.destroy();
      await backend.stop();
    },
  };
};
