import type { FastifyReply } from 'fastify';
import type { StoredObjectLike } from './fauxqs-internals';
import { type S3Request, sendError, sendXml, type VersioningLayer } from './s3-request';
import { listObjectVersions } from './s3-version-listing';
import { answerDeleteObjects, deleteOneObject } from './s3-versioned-deletes';
import { nullVersionId, VersioningStatus } from './s3-versions';
import { parseVersioningConfiguration, xmlDocument } from './s3-xml';

const statuses: readonly string[] = Object.values(VersioningStatus);

const answerBucketVersioning = (layer: VersioningLayer, request: S3Request, reply: FastifyReply) => {
  if (request.method === 'GET') {
    const status = layer.versions.status(request.bucket);
    return sendXml(
      reply,
      200,
      xmlDocument('VersioningConfiguration', status === undefined ? {} : { Status: status }),
    );
  }
  const status = parseVersioningConfiguration(request.body);
  if (status === undefined || !statuses.includes(status))
    return sendError(
      reply,
      400,
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema',
    );
  layer.versions.setStatus(request.bucket, status as VersioningStatus);
  return reply.code(200).send();
};

const objectHeaders = (object: StoredObjectLike, versionId: string): Record<string, string> => {
  const headers: Record<string, string> = {
    'content-type': object.contentType,
    etag: object.etag,
    'last-modified': object.lastModified.toUTCString(),
    'x-amz-version-id': versionId,
    'accept-ranges': 'bytes',
  };
  for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
};

/** The byte range a Range header asks for ("bytes=a-b", "bytes=a-", "bytes=-n"), if satisfiable. */
const byteRange = (header: string, total: number): [number, number] | undefined => {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header);
  if (match === null || (match[1] === '' && match[2] === '')) return undefined;
  const [start, end] =
    match[1] === ''
      ? [Math.max(0, total - Number(match[2])), total - 1]
      : [Number(match[1]), match[2] === '' ? total - 1 : Math.min(Number(match[2]), total - 1)];
  return start <= end && start < total ? [start, end] : undefined;
};

/** GetObject / HeadObject with a versionId. */
const answerVersionRead = (
  layer: VersioningLayer,
  request: S3Request,
  reply: FastifyReply,
  versionId: string,
) => {
  const entry = layer.versions.find(request.bucket, request.key, versionId);
  const head = request.method === 'HEAD';
  if (entry === undefined)
    return head
      ? reply.code(404).send()
      : sendError(reply, 404, 'NoSuchVersion', 'The specified version does not exist.', {
          Key: request.key,
          VersionId: versionId,
        });
  if (entry.object === undefined) {
    reply.header('x-amz-delete-marker', 'true').header('x-amz-version-id', versionId);
    return head
      ? reply.code(405).send()
      : sendError(
          reply,
          405,
          'MethodNotAllowed',
          'The specified method is not allowed against this resource.',
        );
  }
  const { object } = entry;
  reply.headers(objectHeaders(object, versionId));
  const range = typeof request.headers.range === 'string' ? request.headers.range : undefined;
  if (range === undefined || head)
    return reply
      .code(200)
      .header('content-length', object.contentLength)
      .send(head ? undefined : object.body);
  const bytes = byteRange(range, object.contentLength);
  if (bytes === undefined) {
    reply.header('content-range', `bytes */${object.contentLength}`);
    return sendError(reply, 416, 'InvalidRange', 'The requested range is not satisfiable');
  }
  return reply
    .code(206)
    .header('content-range', `bytes ${bytes[0]}-${bytes[1]}/${object.contentLength}`)
    .send(object.body.subarray(bytes[0], bytes[1] + 1));
};

/** A plain GET or HEAD on a versioned bucket: fauxqs answers; the response names the current version. */
const nameCurrentVersion = (layer: VersioningLayer, request: S3Request, reply: FastifyReply) => {
  const current = layer.versions.versions(request.bucket, request.key)[0];
  if (current === undefined) return;
  reply.header('x-amz-version-id', current.versionId);
  if (current.object === undefined) reply.header('x-amz-delete-marker', 'true');
};

/** The source of a CopyObject: "bucket/key" with an optional "?versionId=", the key URL-encoded. */
const copySource = (header: string) => {
  const [path = '', search = ''] = header.split('?');
  const decoded = decodeURIComponent(path).replace(/^\//, '');
  const slash = decoded.indexOf('/');
  return {
    bucket: decoded.slice(0, slash),
    key: decoded.slice(slash + 1),
    versionId: new URLSearchParams(search).get('versionId') ?? undefined,
  };
};

/** CopyObject: a copy of a named version is made here; any copy says which version it read. */
const answerCopy = (layer: VersioningLayer, request: S3Request, reply: FastifyReply, header: string) => {
  const source = copySource(header);
  if (source.versionId === undefined) {
    const current = layer.versions.versions(source.bucket, source.key)[0];
    if (current?.object !== undefined) reply.header('x-amz-copy-source-version-id', current.versionId);
    return false;
  }
  const entry = layer.versions.find(source.bucket, source.key, source.versionId);
  if (entry === undefined && source.versionId !== nullVersionId)
    return sendError(reply, 404, 'NoSuchVersion', 'The specified version does not exist.');
  if (entry === undefined) return false;
  if (entry.object === undefined)
    return sendError(
      reply,
      400,
      'InvalidRequest',
      'The source of a copy request may not specifically refer to a delete marker by version id.',
    );
  const replace = request.headers['x-amz-metadata-directive'] === 'REPLACE';
  const metadata = replace ? metadataOf(request.headers) : entry.object.metadata;
  const copied = layer.store.putObject(
    request.bucket,
    request.key,
    entry.object.body,
    entry.object.contentType,
    metadata,
  );
  reply.header('x-amz-copy-source-version-id', source.versionId);
  return sendXml(
    reply,
    200,
    xmlDocument('CopyObjectResult', { ETag: copied.etag, LastModified: copied.lastModified.toISOString() }),
  );
};

const metadataOf = (headers: S3Request['headers']) =>
  Object.fromEntries(
    Object.entries(headers)
      .filter(([name, value]) => name.startsWith('x-amz-meta-') && typeof value === 'string')
      .map(([name, value]) => [name.slice('x-amz-meta-'.length), String(value)]),
  );

/** Bucket-level calls: the versioning configuration, ListObjectVersions, DeleteBucket, DeleteObjects. */
const answerBucketRequest = (layer: VersioningLayer, request: S3Request, reply: FastifyReply): boolean => {
  const { method, bucket, query } = request;
  if (query.has('versioning') && (method === 'GET' || method === 'PUT')) {
    answerBucketVersioning(layer, request, reply);
  } else if (query.has('versions') && method === 'GET') {
    sendXml(reply, 200, listObjectVersions(layer.versions, bucket, query));
  } else if (method === 'DELETE' && layer.versions.hasVersions(bucket)) {
    const message =
      'The bucket you tried to delete is not empty. You must delete all versions in the bucket.';
    sendError(reply, 409, 'BucketNotEmpty', message);
  } else if (method === 'POST' && query.has('delete') && layer.versions.status(bucket) !== undefined) {
    answerDeleteObjects(layer, request, reply);
  } else {
    return false;
  }
  return true;
};

/** Object-level calls: copies, reads of a version, reads of the current one, deletes. */
const answerObjectRequest = (layer: VersioningLayer, request: S3Request, reply: FastifyReply): boolean => {
  const { method, query } = request;
  const versioned = layer.versions.status(request.bucket) !== undefined;
  const versionId = query.get('versionId') ?? undefined;
  const copyHeader = request.headers['x-amz-copy-source'];
  const read = method === 'GET' || method === 'HEAD';
  if (method === 'PUT' && typeof copyHeader === 'string' && !query.has('uploadId'))
    return answerCopy(layer, request, reply, copyHeader) !== false;
  if (read && versionId !== undefined && (versioned || versionId !== nullVersionId)) {
    answerVersionRead(layer, request, reply, versionId);
    return true;
  }
  if (read && versioned) nameCurrentVersion(layer, request, reply);
  if (method === 'DELETE' && versioned && !query.has('uploadId')) {
    deleteOneObject(layer, request, reply, versionId);
    return true;
  }
  return false;
};

/**
 * S3 versioning in front of fauxqs (which has none). Returns true when it answered the request;
 * otherwise fauxqs handles it (the layer may have set response headers on the way).
 */
export const answerWithVersioning = (
  layer: VersioningLayer,
  request: S3Request,
  reply: FastifyReply,
): boolean => {
  if (!layer.store.buckets.has(request.bucket)) return false;
  return request.key === ''
    ? answerBucketRequest(layer, request, reply)
    : answerObjectRequest(layer, request, reply);
};
