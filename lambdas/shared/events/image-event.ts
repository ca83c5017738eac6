import { createHash } from 'node:crypto';

/**
 * created: a new or overwritten object (its version, when the bucket is versioned). removed: the
 * object is gone (a plain delete, or a delete marker on a versioned bucket). versionRemoved: one
 * version or delete marker was removed for good (S3's `ObjectRemoved:Delete` with a version id):
 * the object may be gone, or live again as an older version (an undelete), so the bucket decides.
 */
export const imageEventKinds = {
  created: 'created',
  removed: 'removed',
  versionRemoved: 'version-removed',
} as const;
export type ImageEventKind = (typeof imageEventKinds)[keyof typeof imageEventKinds];

/** One S3 object event, decoded once: everything downstream works with this shape. */
export interface ImageEvent {
  readonly kind: ImageEventKind;
  readonly eventName: string;
  readonly eventTime: string;
  readonly bucket: string;
  /** The object key, already decoded from the event's form-URL encoding. */
  readonly key: string;
  readonly size?: number;
  readonly eTag?: string;
  readonly versionId?: string;
  /** Fixed-width, upper-case hex; compare with `compareSequencers` or plain string order. */
  readonly sequencer: string;
  readonly imageId: string;
  /** An operator's reprocess request: redo the work even if this sequencer's result is stored. */
  readonly force?: boolean;
  /** Set when the event had no S3 sequencer and `sequencer` comes from its eventTime. */
  readonly orderedBy?: 'event-time';
}

/** Stable and URL-safe: the same bucket and key always name the same image. */
export const imageIdOf = (bucket: string, key: string): string =>
  createHash('sha256').update(`${bucket}/${key}`).digest('base64url').slice(0, 22);

const sequencerWidth = 32;

/**
 * S3 sequencers are hex numbers of varying length: left-padding to one width makes string order
 * equal event order for the same key, so DynamoDB can compare them too.
 */
export const normalizeSequencer = (sequencer: string): string => {
  if (!/^[0-9a-fA-F]{1,32}$/.test(sequencer)) {
    throw new Error(`Sequencer must be 1-32 hex digits, got "${sequencer}"`);
  }
  return sequencer.toUpperCase().padStart(sequencerWidth, '0');
};

export const compareSequencers = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** S3 event keys are form-URL-encoded (`+` is a space); this is the one place they are decoded. */
export const decodeS3Key = (encoded: string): string => decodeURIComponent(encoded.replace(/\+/g, ' '));

/** The inverse, for tools and the local runtime that produce events. */
export const encodeS3Key = (key: string): string =>
  encodeURIComponent(key)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
