/**
 * fauxqs 1.9.2 builds its stores inside startFauxqs and does not export their classes; the backend
 * needs them to add what the emulator lacks (S3 event notifications and versioning, message
 * retention, FIFO batches, dead-letter source ARNs, SNS envelopes as AWS writes them). Its package
 * "exports" hides the files, so they are imported by file URL, next to the resolved entry. The
 * version is pinned in package.json; test/unit/fauxqs-internals.test.ts fails if these shapes or
 * calls change.
 */

export interface SqsMessageLike {
  readonly messageId: string;
  body: string;
  md5OfBody: string;
  readonly sentTimestamp: number;
  approximateReceiveCount: number;
  approximateFirstReceiveTimestamp?: number;
  readonly messageAttributes: Record<string, unknown>;
  readonly md5OfMessageAttributes?: string;
  readonly messageGroupId?: string;
  sequenceNumber?: string;
}

export interface InflightEntryLike {
  readonly message: SqsMessageLike;
  readonly receiptHandle: string;
  visibilityDeadline: number;
}

/** What ReceiveMessage returns for one message (fauxqs builds it in its dequeue methods). */
export interface ReceivedMessageLike {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  MD5OfMessageAttributes?: string;
  MessageAttributes?: Record<string, unknown>;
}

/** Resolves a dead-letter queue ARN to the queue a message is moved into (fauxqs only calls enqueue). */
export type DeadLetterResolver = (arn: string) => Pick<SqsQueueLike, 'enqueue'> | undefined;

export interface SqsQueueLike {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly attributes: Record<string, string | undefined>;
  messages: SqsMessageLike[];
  delayedMessages: SqsMessageLike[];
  readonly fifoMessages: Map<string, SqsMessageLike[]>;
  readonly fifoLockedGroups: Map<string, number>;
  readonly inflightMessages: Map<string, InflightEntryLike>;
  isFifo(): boolean;
  /** Returns in-flight messages whose visibility timeout is over and releases delayed ones. */
  processTimers(): void;
  enqueue(message: SqsMessageLike): void;
  dequeue(
    maxCount: number,
    visibilityTimeout?: number,
    deadLetters?: DeadLetterResolver,
  ): ReceivedMessageLike[];
  dequeueFifo(
    maxCount: number,
    visibilityTimeout?: number,
    deadLetters?: DeadLetterResolver,
  ): ReceivedMessageLike[];
}

export interface SqsStoreLike {
  readonly queues: Map<string, SqsQueueLike>;
  createQueue(name: string, url: string, arn: string, ...rest: unknown[]): SqsQueueLike;
}

export interface SnsSpyMessage {
  readonly service: string;
  readonly status: string;
  readonly topicArn?: string;
  readonly messageId?: string;
}

export interface SnsStoreLike {
  getTopic(arn: string): { readonly attributes: Record<string, string | undefined> } | undefined;
  spy?: { addMessage(message: SnsSpyMessage): void };
}

export interface S3SpyMessage {
  readonly service: string;
  readonly bucket: string;
  readonly key: string;
  readonly status: string;
  readonly timestamp: number;
}

/** An object as fauxqs stores it; the versioning layer keeps these as versions. */
export interface StoredObjectLike {
  readonly key: string;
  readonly body: Buffer;
  readonly contentType: string;
  readonly contentLength: number;
  readonly etag: string;
  readonly lastModified: Date;
  readonly metadata: Record<string, string>;
}

export interface S3StoreLike {
  readonly buckets: Map<string, Map<string, StoredObjectLike>>;
  putObject(
    bucket: string,
    key: string,
    body: Buffer,
    contentType?: string,
    metadata?: Record<string, string>,
  ): StoredObjectLike;
  spy?: { addMessage(message: S3SpyMessage): void };
}

export interface FauxqsStores {
  readonly sqsStore: SqsStoreLike;
  readonly snsStore: SnsStoreLike;
  readonly s3Store: S3StoreLike;
}

type StoreClass<T> = new () => T;

const load = async <T>(file: string, name: string): Promise<StoreClass<T>> => {
  const module = (await import(new URL(file, import.meta.resolve('fauxqs')).href)) as Record<string, unknown>;
  const store = module[name];
  if (typeof store !== 'function')
    throw new Error(`fauxqs no longer exports ${name} from ${file}: check its version`);
  return store as StoreClass<T>;
};

export const loadFauxqsStores = async (): Promise<FauxqsStores> => {
  const [SqsStore, SnsStore, S3Store] = await Promise.all([
    load<SqsStoreLike>('./sqs/sqsStore.js', 'SqsStore'),
    load<SnsStoreLike>('./sns/snsStore.js', 'SnsStore'),
    load<S3StoreLike>('./s3/s3Store.js', 'S3Store'),
  ]);
  return { sqsStore: new SqsStore(), snsStore: new SnsStore(), s3Store: new S3Store() };
};

/** Calls `patch` on every queue the store creates from now on (CreateQueue goes through createQueue). */
export const onQueueCreated = (store: SqsStoreLike, patch: (queue: SqsQueueLike) => void): void => {
  const create = store.createQueue.bind(store);
  store.createQueue = (...args) => {
    const queue = create(...args);
    patch(queue);
    return queue;
  };
};
