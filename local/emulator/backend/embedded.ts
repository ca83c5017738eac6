import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { buildApp } from 'fauxqs';
import { type DynamoGateway, startDynamoGateway } from './dynamo-gateway';
import { type FauxqsStores, loadFauxqsStores } from './fauxqs-internals';
import { correctMessaging } from './messaging';
import {
  createdEventName,
  type ObjectEvent,
  ObjectEvents,
  type S3RequestContext,
  watchObjectStore,
} from './object-events';
import { CurrentContext } from './request-context';
import { sweepExpiredMessages } from './retention';
import { localSecrets, registerPresignedRequests } from './s3-presigned';
import type { S3Request, VersioningLayer } from './s3-request';
import { answerSystemHeaders, ObjectSystemHeaders } from './s3-system-headers';
import { answerWithVersioning } from './s3-versioning';
import { BucketVersions } from './s3-versions';

export type { ObjectEvent } from './object-events';

export interface EmbeddedBackendOptions {
  /** The one port S3, SNS, SQS and DynamoDB answer on; 0 picks a free one. */
  readonly port?: number;
  readonly host?: string;
  readonly region?: string;
  /** LevelDB directory for DynamoDB data that survives a restart; in memory when omitted. */
  readonly dynamoPath?: string;
  /** How often expired messages are dropped (MessageRetentionPeriod); 0 turns it off. */
  readonly retentionSweepMs?: number;
  /** The clock retention is judged by; tests move it forward instead of waiting a minute. */
  readonly now?: () => number;
}

export interface EmbeddedBackend {
  /** One endpoint for every service (AWS_ENDPOINT_URL). */
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  /** Called for every object written or deleted, by any client. */
  onObjectEvent(listener: (event: ObjectEvent) => void): void;
  /** Answer this share of DynamoDB and S3 requests with a throttling error (fault injection). */
  setThrottleRate(rate: number): void;
  /** Requests answered with a throttling error so far. */
  throttled(): number;
  /** Messages dropped so far because they outlived their queue's retention period, by queue name. */
  expiredMessages(): ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

const dynamoOperation = (request: FastifyRequest): string | undefined => {
  const target = request.headers['x-amz-target'];
  return typeof target === 'string' && target.startsWith('DynamoDB_')
    ? target.slice(target.indexOf('.') + 1)
    : undefined;
};

const isS3Request = (request: FastifyRequest) =>
  request.headers['x-amz-target'] === undefined &&
  !String(request.headers['content-type'] ?? '').includes('x-www-form-urlencoded') &&
  request.url !== '/';

const throttle = (reply: FastifyReply, dynamo: boolean) =>
  dynamo
    ? reply.code(400).header('content-type', 'application/x-amz-json-1.0').send({
        __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
        message: 'Injected fault: throughput exceeded',
      })
    : reply
        .code(503)
        .header('content-type', 'application/xml')
        .send(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Injected fault: please reduce your request rate</Message></Error>',
        );

/** The S3 request behind a route of fauxqs's S3 router (path-style, after its virtual-host rewrite). */
const s3Request = (request: FastifyRequest, reply: FastifyReply): S3Request | undefined => {
  if (!request.routeOptions.url?.startsWith('/:bucket')) return undefined;
  const url = new URL(request.url, 'http://local');
  const [bucket = '', ...rest] = url.pathname.slice(1).split('/');
  const context: S3RequestContext = {
    headers: request.headers,
    createdEventName: createdEventName(request.method, url, request.headers),
    sourceIp: request.ip,
    requestId: request.id,
    setHeader: (name, value) => void reply.header(name, value),
  };
  return {
    method: request.method,
    bucket: decodeURIComponent(bucket),
    key: decodeURIComponent(rest.join('/')),
    query: url.searchParams,
    headers: request.headers,
    body: request.body,
    context,
  };
};

/** Throttling faults: a share of DynamoDB and S3 requests answered with a throttling error. */
class ThrottleFault {
  rate = 0;
  count = 0;

  /** Answers the request with a throttling error if it is picked; true when it did. */
  apply(request: FastifyRequest, reply: FastifyReply, dynamo: boolean): boolean {
    if (this.rate <= 0 || !(dynamo || isS3Request(request)) || Math.random() >= this.rate) return false;
    this.count++;
    throttle(reply, dynamo);
    return true;
  }
}

/** DynamoDB requests leave fauxqs at once, for the gateway; the throttle fault applies first. */
const routeDynamo = (app: FastifyInstance, dynamo: DynamoGateway, faults: ThrottleFault) =>
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const operation = dynamoOperation(request);
    if (faults.apply(request, reply, operation !== undefined)) return reply;
    // DynamoDB speaks the same JSON protocol as SQS; its target header tells them apart.
    if (operation !== undefined) {
      reply.hijack();
      await dynamo.handle(operation, request.raw, reply.raw);
    }
  });

/**
 * S3 requests pass the versioning layer, and become the current request for fauxqs's store spy.
 * Synchronous, so that fauxqs's handler runs right after it with the request still current.
 */
const routeS3 = (
  app: FastifyInstance,
  layer: VersioningLayer,
  currentRequest: CurrentContext<S3RequestContext>,
) =>
  app.addHook('preHandler', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const s3 = s3Request(request, reply);
    if (s3 !== undefined) {
      currentRequest.enter(s3.context);
      if (answerWithVersioning(layer, s3, reply)) return;
    }
    done();
  });

/**
 * fauxqs (S3, SNS, SQS) and dynalite (DynamoDB) in this process, behind one port: no Docker, no
 * JVM. Adds what they lack: object events for S3 notifications, S3 versioning, DynamoDB
 * transactions, message retention, and SQS/SNS details as AWS has them (docs/embedded-backend.md).
 */
export const startEmbeddedBackend = async (
  options: EmbeddedBackendOptions = {},
): Promise<EmbeddedBackend> => {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const stores: FauxqsStores = await loadFauxqsStores();
  const dynamo = await startDynamoGateway({ path: options.dynamoPath });
  const app = buildApp({
    logger: false,
    defaultRegion: region,
    stores: stores as unknown as NonNullable<Parameters<typeof buildApp>[0]>['stores'],
  });
  registerPresignedRequests(app, localSecrets());
  const events = new ObjectEvents();
  const versions = new BucketVersions(stores.s3Store);
  const currentRequest = new CurrentContext<S3RequestContext>();
  const faults = new ThrottleFault();
  const systemHeaders = new ObjectSystemHeaders();
  watchObjectStore(stores.s3Store, versions, events, currentRequest, systemHeaders);
  answerSystemHeaders(app, stores.s3Store, versions, systemHeaders);
  correctMessaging(stores, app);
  routeDynamo(app, dynamo, faults);
  routeS3(app, { store: stores.s3Store, versions, events }, currentRequest);
  const expired = new Map<string, number>();
  const stopSweeping = sweepExpiredMessages(
    stores.sqsStore,
    options.retentionSweepMs ?? 1_000,
    options.now ?? Date.now,
    expired,
  );

  await app.listen({ port: options.port ?? 0, host });
  const { port } = app.server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    region,
    onObjectEvent: (listener) => events.onEvent(listener),
    expiredMessages: () => expired,
    setThrottleRate(rate) {
      faults.rate = rate;
    },
    throttled: () => faults.count,
    async stop() {
      stopSweeping();
      await app.close();
      await dynamo.stop();
    },
  };
};
