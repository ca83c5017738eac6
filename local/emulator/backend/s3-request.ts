import type { FastifyReply } from 'fastify';
import type { S3StoreLike } from './fauxqs-internals';
import type { ObjectEvents, S3RequestContext } from './object-events';
import type { BucketVersions } from './s3-versions';
import { errorDocument } from './s3-xml';

export interface VersioningLayer {
  readonly store: S3StoreLike;
  readonly versions: BucketVersions;
  readonly events: ObjectEvents;
}

/** An S3 request as the versioning layer reads it (path-style: /bucket/key). */
export interface S3Request {
  readonly method: string;
  readonly bucket: string;
  readonly key: string;
  readonly query: URLSearchParams;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
  readonly context: S3RequestContext;
}

export const sendXml = (reply: FastifyReply, statusCode: number, xml: string) =>
  reply.code(statusCode).header('content-type', 'application/xml').send(xml);

export const sendError = (
  reply: FastifyReply,
  statusCode: number,
  code: string,
  message: string,
  details: Record<string, string> = {},
) => sendXml(reply, statusCode, errorDocument(code, message, details));
