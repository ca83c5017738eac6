/**
 * fauxqs 1.9.2 builds its stores inside startFauxqs and does not export their classes; the runtime
 * needs them to add what the emulator lacks (S3 event notifications, message retention). Its
 * package "exports" hides the files, so they are imported by file URL, next to the resolved entry.
 * The version is pinned in package.json; test/unit/backend.test.ts fails if these shapes change.
 */

export interface SqsMessageLike {
  readonly messageId: string;
  readonly sentTimestamp: number;
  approximateReceiveCount: number;
}

export interface SqsQueueLike {
  readonly name: string;
  readonly arn: string;
  readonly attributes: Record<string, string | undefined>;
  messages: SqsMessageLike[];
  delayedMessages: SqsMessageLike[];
  readonly fifoMessages: Map<string, SqsMessageLike[]>;
  readonly inflightMessages: Map<string, { message: SqsMessageLike }>;
}

export interface S3SpyMessage {
  readonly service: string;
  readonly bucket: string;
  readonly key: string;
  readonly status: string;
  readonly timestamp: number;
}

export interface S3StoreLike {
  readonly buckets: Map<string, Map<string, { contentLength: number; etag: string }>>;
  spy?: { addMessage(message: S3SpyMessage): void };
}

export interface FauxqsStores {
  readonly sqsStore: { readonly queues: Map<string, SqsQueueLike> };
  readonly snsStore: object;
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
    load<FauxqsStores['sqsStore']>('./sqs/sqsStore.js', 'SqsStore'),
    load<object>('./sns/snsStore.js', 'SnsStore'),
    load<S3StoreLike>('./s3/s3Store.js', 'S3Store'),
  ]);
  return { sqsStore: new SqsStore(), snsStore: new SnsStore(), s3Store: new S3Store() };
};
