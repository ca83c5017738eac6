import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  createLocalClients,
  type EmbeddedBackend,
  emulatorCredentials,
  type LocalClients,
  startEmbeddedBackend,
} from '../../local/emulator';
import { createImagesTable } from '../../samples/tables';
import type { BenchObject } from './events';
import type { Target } from './wiring';

/** The parent's side: one embedded backend (S3, SQS, DynamoDB) that every job's consumer talks to. */
export interface BenchEnvironment {
  readonly endpoint: string;
  readonly target: Target;
  readonly clients: LocalClients;
  readonly backend: EmbeddedBackend;
  /** Puts each body under `uploads/bench/<group>/<i>.jpg`, cycling through the bodies `count` times over. */
  upload(group: string, bodies: readonly Buffer[], count: number): Promise<BenchObject[]>;
  remove(objects: readonly BenchObject[]): Promise<void>;
  /** Variables of a job's process: the endpoint and emulator credentials, as the local runtime gives its functions. */
  childEnvironment(overrides?: Readonly<Record<string, string>>): Record<string, string>;
  stop(): Promise<void>;
}

/** fauxqs takes request bodies up to 11 MiB: larger objects go up in parts, as `aws s3 cp` sends them. */
const singlePutLimit = 8 * 1024 * 1024;

const putObject = async (
  clients: LocalClients,
  object: { Bucket: string; Key: string; ContentType: string; Metadata: Record<string, string> },
  body: Buffer,
) => {
  if (body.length <= singlePutLimit) {
    await clients.s3.send(new PutObjectCommand({ ...object, Body: body }));
    return;
  }
  const { UploadId } = await clients.s3.send(new CreateMultipartUploadCommand(object));
  const parts: { ETag?: string; PartNumber: number }[] = [];
  for (let offset = 0; offset < body.length; offset += singlePutLimit) {
    const PartNumber = parts.length + 1;
    const { ETag } = await clients.s3.send(
      new UploadPartCommand({
        Bucket: object.Bucket,
        Key: object.Key,
        UploadId,
        PartNumber,
        Body: body.subarray(offset, offset + singlePutLimit),
      }),
    );
    parts.push({ ETag, PartNumber });
  }
  await clients.s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: object.Bucket,
      Key: object.Key,
      UploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
};

export const startBenchEnvironment = async (): Promise<BenchEnvironment> => {
  const backend = await startEmbeddedBackend({ port: 0, retentionSweepMs: 0 });
  const clients = createLocalClients(backend.endpoint, backend.region);
  const target: Target = {
    region: backend.region,
    tableName: 'bench-images',
    uploadsBucket: 'bench-uploads',
    derivedBucket: 'bench-derived',
  };
  await createImagesTable(clients.dynamo, target.tableName);
  for (const bucket of [target.uploadsBucket, target.derivedBucket]) {
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
  return {
    endpoint: backend.endpoint,
    target,
    clients,
    backend,
    async upload(group, bodies, count) {
      const objects: BenchObject[] = [];
      for (let i = 0; i < count; i++) {
        const body = bodies[i % bodies.length] as Buffer;
        const key = `uploads/bench/${group}/${String(i).padStart(4, '0')}.jpg`;
        await putObject(
          clients,
          {
            Bucket: target.uploadsBucket,
            Key: key,
            ContentType: 'image/jpeg',
            Metadata: { title: `bench photo ${i % bodies.length}` },
          },
          body,
        );
        objects.push({ key, size: body.length });
      }
      return objects;
    },
    async remove(objects) {
      for (let i = 0; i < objects.length; i += 1000) {
        await clients.s3.send(
          new DeleteObjectsCommand({
            Bucket: target.uploadsBucket,
            Delete: { Objects: objects.slice(i, i + 1000).map(({ key }) => ({ Key: key })), Quiet: true },
          }),
        );
      }
    },
    childEnvironment(overrides = {}) {
      return {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        LANG: 'en_US.UTF-8',
        TZ: 'UTC',
        AWS_ENDPOINT_URL: backend.endpoint,
        AWS_REGION: target.region,
        AWS_ACCESS_KEY_ID: emulatorCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: emulatorCredentials.secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...overrides,
      };
    },
    async stop() {
      clients.destroy();
      await backend.stop();
    },
  };
};
