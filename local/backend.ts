import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { type FauxqsServer, startFauxqs } from 'fauxqs';

export interface EmbeddedBackendOptions {
  /** Port of the S3/SNS/SQS emulator; 0 picks a free one. */
  readonly awsPort?: number;
  /** Port of the DynamoDB emulator; 0 picks a free one. */
  readonly dynamoPort?: number;
  readonly host?: string;
  readonly region?: string;
  /** LevelDB directory for DynamoDB data that survives a restart; in memory when omitted. */
  readonly dynamoPath?: string;
  /** Ask fauxqs to report every S3 put and delete (what S3 event notifications are made from). */
  readonly messageSpies?: boolean;
}

export interface EmbeddedBackend {
  readonly region: string;
  /** S3, SNS and SQS. */
  readonly awsEndpoint: string;
  readonly dynamoEndpoint: string;
  readonly fauxqs: FauxqsServer;
  stop(): Promise<void>;
}

/** fauxqs (S3, SNS, SQS) and dynalite (DynamoDB), both in this process: no Docker, no JVM. */
export const startEmbeddedBackend = async (
  options: EmbeddedBackendOptions = {},
): Promise<EmbeddedBackend> => {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const fauxqs = await startFauxqs({
    port: options.awsPort ?? 0,
    host,
    logger: false,
    defaultRegion: region,
    messageSpies: options.messageSpies ?? false,
  });
  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: options.dynamoPath });
  await new Promise<void>((resolve, reject) => {
    dynamo.once('error', reject);
    dynamo.listen(options.dynamoPort ?? 0, host, () => resolve());
  });
  const { port: dynamoPort } = dynamo.address() as AddressInfo;
  return {
    region,
    // An IP literal, not "localhost": the SDK then addresses S3 path-style, which the emulator needs.
    awsEndpoint: `http://${host}:${fauxqs.port}`,
    dynamoEndpoint: `http://${host}:${dynamoPort}`,
    fauxqs,
    async stop() {
      await fauxqs.stop();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
};
