import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { buildApp } from 'fauxqs';
import { localSecrets, registerPresignedRequests } from './backend/s3-presigned';
import type { FauxqsStores, S3StoreLike, SqsMessageLike, SqsQueueLike } from './fauxqs-internals';
import { loadFauxqsStores } from './fauxqs-internals';

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

/** A write or delete of an object, as S3 event notifications are made from. */
export interface ObjectEvent {
  /** S3's event name without the "s3:" prefix, e.g. "ObjectCreated:Put". */
  readonly eventName: string;
  readonly bucket: string;
  readonly key: string;
  readonly size?: number;
  /** Without quotes, as S3 events carry it. */
  readonly eTag?: string;
  readonly sequencer: string;
  readonly time: Date;
  readonly sourceIp: string;
  readonly requestId: string;
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

type PendingRequest = { eventName: string; sourceIp: string; requestId: string };

/** Which ObjectCreated event a request makes, should it write an object (parts and tagging do not). */
const createdEventName = (method: string, url: URL, headers: Record<string, unknown>): string | undefined => {
  if (headers['x-amz-copy-source'] !== undefined && method === 'PUT') return 'ObjectCreated:Copy';
  if (method === 'PUT' && url.search === '') return 'ObjectCreated:Put';
  if (method === 'POST' && url.searchParams.has('uploadId')) return 'ObjectCreated:CompleteMultipartUpload';
  if (method === 'POST' && url.search === '') return 'ObjectCreated:Post';
  return undefined;
};

/**
 * S3 sequencers only have to grow for successive events on one key; one counter for the whole
 * backend, seeded from the clock, does that and survives a restart's ordering too.
 */
const createSequencer = () => {
  let last = 0n;
  return () => {
    const now = BigInt(Date.now()) << 16n;
    last = now > last ? now : last + 1n;
    return last.toString(16).toUpperCase().padStart(16, '0');
  };
};

const dropExpired = (queue: SqsQueueLike, now: number): number => {
  const retentionMs = Number(queue.attributes.MessageRetentionPeriod ?? 345_600) * 1000;
  const alive = (message: SqsMessageLike) => message.sentTimestamp + retentionMs > now;
  let dropped = 0;
  const keep = (messages: SqsMessageLike[]) => {
    const kept = messages.filter(alive);
    dropped += messages.length - kept.length;
    return kept;
  };
  queue.messages = keep(queue.messages);
  queue.delayedMessages = keep(queue.delayedMessages);
  for (const [group, messages] of queue.fifoMessages) queue.fifoMessages.set(group, keep(messages));
  for (const [handle, entry] of queue.inflightMessages) {
    if (!alive(entry.message)) {
      queue.inflightMessages.delete(handle);
      dropped++;
    }
  }
  return dropped;
};

/**
 * fauxqs (S3, SNS, SQS) and dynalite (DynamoDB) in this process, behind one port: no Docker, no
 * JVM. Adds what fauxqs lacks: object events for S3 notifications, and message retention.
 */
export const startEmbeddedBackend = async (
  options: EmbeddedBackendOptions = {},
): Promise<EmbeddedBackend> => {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const stores: FauxqsStores = await loadFauxqsStores();
  const listeners: ((event: ObjectEvent) => void)[] = [];
  const pending = new Map<string, PendingRequest>();
  const nextSequencer = createSequencer();
  const expired = new Map<string, number>();
  let throttleRate = 0;
  let throttledCount = 0;

  const dynamo: Server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    path: options.dynamoPath,
  });
  await new Promise<void>((resolve, reject) => {
    dynamo.once('error', reject);
    dynamo.listen(0, '127.0.0.1', () => resolve());
  });

  const app = buildApp({
    logger: false,
    defaultRegion: region,
    stores: stores as unknown as NonNullable<Parameters<typeof buildApp>[0]>['stores'],
  });
  registerPresignedRequests(app, localSecrets());
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const target = request.headers['x-amz-target'];
    const isDynamo = typeof target === 'string' && target.startsWith('DynamoDB_');
    const isS3 =
      target === undefined &&
      !String(request.headers['content-type'] ?? '').includes('x-www-form-urlencoded') &&
      request.url !== '/';
    if (throttleRate > 0 && (isDynamo || isS3) && Math.random() < throttleRate) {
      throttledCount++;
      return isDynamo
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
    }
    // DynamoDB speaks the same JSON protocol as SQS; its target header tells them apart.
    if (isDynamo) {
      reply.hijack();
      dynamo.emit('request', request.raw, reply.raw);
      return;
    }
    const url = new URL(request.url, 'http://local');
    const [bucket, ...rest] = url.pathname.slice(1).split('/');
    if (
      bucket === undefined ||
      bucket === '' ||
      request.headers['content-type']?.includes('x-www-form-urlencoded')
    ) {
      return;
    }
    const key = decodeURIComponent(rest.join('/'));
    const context = { sourceIp: request.ip, requestId: request.id };
    if (key === '' && request.method === 'POST' && url.searchParams.has('delete')) {
      pending.set(`${bucket}/*`, { eventName: 'ObjectRemoved:Delete', ...context });
    } else if (key !== '' && request.method === 'DELETE' && !url.searchParams.has('uploadId')) {
      pending.set(`${bucket}/${key}`, { eventName: 'ObjectRemoved:Delete', ...context });
    } else if (key !== '') {
      const eventName = createdEventName(request.method, url, request.headers);
      if (eventName !== undefined) pending.set(`${bucket}/${key}`, { eventName, ...context });
    }
  });
  app.addHook('onResponse', async (request: FastifyRequest) => {
    const url = new URL(request.url, 'http://local');
    const [bucket, ...rest] = url.pathname.slice(1).split('/');
    pending.delete(`${bucket}/${decodeURIComponent(rest.join('/'))}`);
    pending.delete(`${bucket}/*`);
  });

  // fauxqs's S3 store reports every put and delete to its spy: that is where events are made.
  const s3: S3StoreLike = stores.s3Store;
  s3.spy = {
    addMessage(message) {
      if (message.service !== 's3' || (message.status !== 'uploaded' && message.status !== 'deleted')) return;
      const { bucket, key } = message;
      const request = pending.get(`${bucket}/${key}`) ?? pending.get(`${bucket}/*`);
      const stored = message.status === 'uploaded' ? s3.buckets.get(bucket)?.get(key) : undefined;
      const event: ObjectEvent = {
        eventName:
          request?.eventName ??
          (message.status === 'uploaded' ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete'),
        bucket,
        key,
        size: stored?.contentLength,
        eTag: stored?.etag.replaceAll('"', ''),
        sequencer: nextSequencer(),
        time: new Date(message.timestamp),
        sourceIp: request?.sourceIp ?? '127.0.0.1',
        requestId: request?.requestId ?? 'local',
      };
      // S3 notifies after the write has succeeded, never inside it.
      setImmediate(() => {
        for (const listener of listeners) listener(event);
      });
    },
  };

  const sweepMs = options.retentionSweepMs ?? 1_000;
  const sweeper =
    sweepMs > 0
      ? setInterval(() => {
          const now = (options.now ?? Date.now)();
          for (const queue of stores.sqsStore.queues.values()) {
            const dropped = dropExpired(queue, now);
            if (dropped > 0) expired.set(queue.name, (expired.get(queue.name) ?? 0) + dropped);
          }
        }, sweepMs)
      : undefined;
  sweeper?.unref();

  await app.listen({ port: options.port ?? 0, host });
  const { port } = app.server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    region,
    onObjectEvent(listener) {
      listeners.push(listener);
    },
    expiredMessages: () => expired,
    setThrottleRate(rate) {
      throttleRate = rate;
    },
    throttled: () => throttledCount,
    async stop() {
      if (sweeper) clearInterval(sweeper);
      await app.close();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
};
