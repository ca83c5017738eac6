import { randomBytes } from 'node:crypto';
import type { S3StoreLike, StoredObjectLike } from './fauxqs-internals';

export const VersioningStatus = { enabled: 'Enabled', suspended: 'Suspended' } as const;
export type VersioningStatus = (typeof VersioningStatus)[keyof typeof VersioningStatus];

/** S3's version id of objects written while versioning was off or suspended. */
export const nullVersionId = 'null';

/** One version of a key: an object, or a delete marker (no object). */
export interface VersionEntry {
  readonly key: string;
  readonly versionId: string;
  readonly lastModified: Date;
  readonly object?: StoredObjectLike;
}

interface BucketState {
  status: VersioningStatus;
  /** Versions of each key, newest first; the first is current. */
  readonly history: Map<string, VersionEntry[]>;
}

const newVersionId = () => randomBytes(24).toString('base64url');

/**
 * The version history of versioned buckets, kept beside fauxqs's store, which holds only the
 * current object of each key (so plain GETs and listings keep working). State is keyed by the
 * bucket's object map: a bucket deleted and created again starts unversioned, as in S3.
 */
export class BucketVersions {
  readonly #states = new WeakMap<Map<string, StoredObjectLike>, BucketState>();

  constructor(private readonly store: S3StoreLike) {}

  status(bucket: string): VersioningStatus | undefined {
    return this.#state(bucket)?.status;
  }

  /** Turns versioning on or suspends it; objects already there become "null" versions. */
  setStatus(bucket: string, status: VersioningStatus): void {
    const objects = this.#objects(bucket);
    const state = this.#states.get(objects);
    if (state !== undefined) {
      state.status = status;
      return;
    }
    const history = new Map<string, VersionEntry[]>();
    for (const [key, object] of objects)
      history.set(key, [{ key, versionId: nullVersionId, lastModified: object.lastModified, object }]);
    this.#states.set(objects, { status, history });
  }

  versions(bucket: string, key: string): readonly VersionEntry[] {
    return this.#state(bucket)?.history.get(key) ?? [];
  }

  find(bucket: string, key: string, versionId: string): VersionEntry | undefined {
    return this.versions(bucket, key).find((entry) => entry.versionId === versionId);
  }

  /** Every key with versions, each with its versions newest first, keys in S3's (binary) order. */
  allVersions(bucket: string): [string, readonly VersionEntry[]][] {
    const state = this.#state(bucket);
    const entries: [string, readonly VersionEntry[]][] =
      state === undefined
        ? [...this.#objects(bucket)].map(([key, object]) => [
            key,
            [{ key, versionId: nullVersionId, lastModified: object.lastModified, object }],
          ])
        : [...state.history];
    return entries.sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  /** Records the object fauxqs has just stored as the key's new current version; its id, if versioned. */
  recordWrite(bucket: string, key: string): string | undefined {
    const state = this.#state(bucket);
    const object = this.#objects(bucket).get(key);
    if (state === undefined || object === undefined) return undefined;
    return this.#push(state, {
      key,
      versionId: this.#nextId(state),
      lastModified: object.lastModified,
      object,
    });
  }

  /** A DELETE without a version id on a versioned bucket: the key's current version is a marker. */
  createDeleteMarker(bucket: string, key: string): string {
    const state = this.#requireState(bucket);
    this.#objects(bucket).delete(key);
    return this.#push(state, { key, versionId: this.#nextId(state), lastModified: new Date() });
  }

  /** Removes one version or delete marker for good (returned); the newest remaining becomes current. */
  removeVersion(bucket: string, key: string, versionId: string): VersionEntry | undefined {
    const state = this.#requireState(bucket);
    const versions = state.history.get(key) ?? [];
    const index = versions.findIndex((entry) => entry.versionId === versionId);
    const removed = versions[index];
    if (removed === undefined) return undefined;
    versions.splice(index, 1);
    if (versions.length === 0) state.history.delete(key);
    if (index > 0) return removed;
    const current = versions[0];
    // Written straight into the map: bringing an older version back makes no ObjectCreated event.
    if (current?.object === undefined) this.#objects(bucket).delete(key);
    else this.#objects(bucket).set(key, current.object);
    return removed;
  }

  /** Whether any version or delete marker is left (S3 refuses to delete such a bucket). */
  hasVersions(bucket: string): boolean {
    return (this.#state(bucket)?.history.size ?? 0) > 0;
  }

  #push(state: BucketState, entry: VersionEntry): string {
    const versions = state.history.get(entry.key) ?? [];
    // While suspended, a write replaces the key's "null" version instead of adding one.
    const kept =
      entry.versionId === nullVersionId ? versions.filter((v) => v.versionId !== nullVersionId) : versions;
    state.history.set(entry.key, [entry, ...kept]);
    return entry.versionId;
  }

  #nextId(state: BucketState): string {
    return state.status === VersioningStatus.enabled ? newVersionId() : nullVersionId;
  }

  #objects(bucket: string): Map<string, StoredObjectLike> {
    const objects = this.store.buckets.get(bucket);
    if (objects === undefined) throw new Error(`No bucket ${bucket}`);
    return objects;
  }

  #state(bucket: string): BucketState | undefined {
    const objects = this.store.buckets.get(bucket);
    return objects === undefined ? undefined : this.#states.get(objects);
  }

  #requireState(bucket: string): BucketState {
    const state = this.#state(bucket);
    if (state === undefined) throw new Error(`Bucket ${bucket} is not versioned`);
    return state;
  }
}
