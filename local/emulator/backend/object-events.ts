import type { S3SpyMessage, S3StoreLike } from './fauxqs-internals';
import type { CurrentContext } from './request-context';
import type { ObjectSystemHeaders } from './s3-system-headers';
import type { BucketVersions } from './s3-versions';

/** A write or delete of an object, as S3 event notifications are made from. */
export interface ObjectEvent {
  /** S3's event name without the "s3:" prefix, e.g. "ObjectCreated:Put". */
  readonly eventName: string;
  readonly bucket: string;
  readonly key: string;
  readonly size?: number;
  /** Without quotes, as S3 events carry it. */
  readonly eTag?: string;
  /** The version written, or the delete marker or version removed; only on versioned buckets. */
  readonly versionId?: string;
  readonly sequencer: string;
  readonly time: Date;
  readonly sourceIp: string;
  readonly requestId: string;
}

export type ObjectChange = Omit<ObjectEvent, 'sequencer' | 'time' | 'sourceIp' | 'requestId'>;

/** The S3 request being handled: who sent it, and what it sets on the response. */
export interface S3RequestContext {
  /** The request's headers, for what S3 stores with the object it writes (system metadata). */
  readonly headers: Record<string, string | string[] | undefined>;
  /** The ObjectCreated event a write by this request makes (Put, Copy, CompleteMultipartUpload). */
  readonly createdEventName?: string;
  readonly sourceIp: string;
  readonly requestId: string;
  setHeader(name: string, value: string): void;
}

/** Which ObjectCreated event a request makes, should it write an object (parts and tagging do not). */
export const createdEventName = (
  method: string,
  url: URL,
  headers: Record<string, unknown>,
): string | undefined => {
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

/** Hands object events to listeners, after the write, as S3 notifies. */
export class ObjectEvents {
  readonly #listeners: ((event: ObjectEvent) => void)[] = [];
  readonly #nextSequencer = createSequencer();

  onEvent(listener: (event: ObjectEvent) => void): void {
    this.#listeners.push(listener);
  }

  emit(change: ObjectChange, request: S3RequestContext | undefined): void {
    const event: ObjectEvent = {
      ...change,
      sequencer: this.#nextSequencer(),
      time: new Date(),
      sourceIp: request?.sourceIp ?? '127.0.0.1',
      requestId: request?.requestId ?? 'local',
    };
    // S3 notifies after the write has succeeded, never inside it.
    setImmediate(() => {
      for (const listener of this.#listeners) listener(event);
    });
  }
}

/**
 * fauxqs's S3 store reports every put and delete to its spy: that is where events are made, and
 * where a write to a versioned bucket becomes a new version. Deletes on versioned buckets never
 * reach fauxqs's store (the versioning layer answers them).
 */
export const watchObjectStore = (
  store: S3StoreLike,
  versions: BucketVersions,
  events: ObjectEvents,
  currentRequest: CurrentContext<S3RequestContext>,
  systemHeaders: ObjectSystemHeaders,
): void => {
  store.spy = {
    addMessage({ service, status, bucket, key }: S3SpyMessage) {
      if (service !== 's3' || (status !== 'uploaded' && status !== 'deleted')) return;
      const request = currentRequest.get();
      if (status === 'deleted') {
        events.emit({ eventName: 'ObjectRemoved:Delete', bucket, key }, request);
        return;
      }
      const stored = store.buckets.get(bucket)?.get(key);
      systemHeaders.remember(stored, request?.headers ?? {});
      const versionId = versions.recordWrite(bucket, key);
      if (versionId !== undefined) request?.setHeader('x-amz-version-id', versionId);
      events.emit(
        {
          eventName: request?.createdEventName ?? 'ObjectCreated:Put',
          bucket,
          key,
          size: stored?.contentLength,
          eTag: stored?.etag.replaceAll('"', ''),
          ...(versionId === undefined || versionId === 'null' ? {} : { versionId }),
        },
        request,
      );
    },
  };
};
