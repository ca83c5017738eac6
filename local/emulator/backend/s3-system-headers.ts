import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { S3StoreLike, StoredObjectLike } from './fauxqs-internals';
import type { BucketVersions } from './s3-versions';

/**
 * The system metadata S3 keeps with an object and answers on GET and HEAD ("Working with object
 * metadata" in the S3 user guide); fauxqs keeps only Content-Type and user metadata.
 */
export const systemHeaderNames = [
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
] as const;

type SystemHeaders = Partial<Record<(typeof systemHeaderNames)[number], string>>;

const pick = (headers: Record<string, string | string[] | undefined>): SystemHeaders =>
  Object.fromEntries(
    systemHeaderNames.flatMap((name) => (typeof headers[name] === 'string' ? [[name, headers[name]]] : [])),
  );

/** Kept per stored object, so each version carries its own (a version keeps its object). */
export class ObjectSystemHeaders {
  readonly #byObject = new WeakMap<StoredObjectLike, SystemHeaders>();

  remember(
    object: StoredObjectLike | undefined,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (object !== undefined) this.#byObject.set(object, pick(headers));
  }

  of(object: StoredObjectLike | undefined): SystemHeaders {
    return object === undefined ? {} : (this.#byObject.get(object) ?? {});
  }
}

/** Adds an object's system headers to every successful GET and HEAD of it, current or by version. */
export const answerSystemHeaders = (
  app: FastifyInstance,
  store: S3StoreLike,
  versions: BucketVersions,
  headers: ObjectSystemHeaders,
) =>
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || reply.statusCode >= 300) return payload;
    if (!request.routeOptions.url?.startsWith('/:bucket')) return payload;
    const url = new URL(request.url, 'http://local');
    const [bucket = '', ...rest] = url.pathname.slice(1).split('/');
    const key = decodeURIComponent(rest.join('/'));
    if (key === '') return payload;
    const versionId = url.searchParams.get('versionId');
    const name = decodeURIComponent(bucket);
    const object =
      versionId === null ? store.buckets.get(name)?.get(key) : versions.find(name, key, versionId)?.object;
    for (const [header, value] of Object.entries(headers.of(object))) reply.header(header, value);
    return payload;
  });
