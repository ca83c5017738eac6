import type { FastifyReply } from 'fastify';
import type { S3RequestContext } from './object-events';
import { type S3Request, sendXml, type VersioningLayer } from './s3-request';
import { nullVersionId } from './s3-versions';
import { parseDeleteRequest, xmlDocument } from './s3-xml';

interface DeleteOutcome {
  readonly key: string;
  /** The version id the request named, if it named one. */
  readonly versionId?: string;
  /** Whether a delete marker was created, or the version removed was one. */
  readonly deleteMarker: boolean;
  readonly deleteMarkerVersionId?: string;
}

/** Events carry no versionId for the "null" version, as for an unversioned bucket. */
const eventVersion = (versionId: string) => (versionId === nullVersionId ? {} : { versionId });

/**
 * A delete on a versioned bucket. Without a version id it creates a delete marker
 * (ObjectRemoved:DeleteMarkerCreated); with one it removes that version or marker for good
 * (ObjectRemoved:Delete), and removing the current marker brings the newest version back without
 * an ObjectCreated event (S3 user guide, "Supported event types").
 */
const deleteVersioned = (
  layer: VersioningLayer,
  bucket: string,
  target: { key: string; versionId?: string },
  context: S3RequestContext,
): DeleteOutcome => {
  const { key, versionId } = target;
  if (versionId === undefined) {
    const markerId = layer.versions.createDeleteMarker(bucket, key);
    layer.events.emit(
      { eventName: 'ObjectRemoved:DeleteMarkerCreated', bucket, key, ...eventVersion(markerId) },
      context,
    );
    return { key, deleteMarker: true, deleteMarkerVersionId: markerId };
  }
  const removal = layer.versions.removeVersion(bucket, key, versionId);
  if (removal === undefined) return { key, versionId, deleteMarker: false };
  layer.events.emit({ eventName: 'ObjectRemoved:Delete', bucket, key, ...eventVersion(versionId) }, context);
  const wasMarker = removal.object === undefined;
  return {
    key,
    versionId,
    deleteMarker: wasMarker,
    ...(wasMarker ? { deleteMarkerVersionId: versionId } : {}),
  };
};

/** DeleteObject on a versioned bucket. */
export const deleteOneObject = (
  layer: VersioningLayer,
  request: S3Request,
  reply: FastifyReply,
  versionId: string | undefined,
) => {
  const outcome = deleteVersioned(layer, request.bucket, { key: request.key, versionId }, request.context);
  const shownVersion = outcome.deleteMarkerVersionId ?? outcome.versionId;
  if (shownVersion !== undefined) reply.header('x-amz-version-id', shownVersion);
  if (outcome.deleteMarker) reply.header('x-amz-delete-marker', 'true');
  return reply.code(204).send();
};

/** DeleteObjects (POST /bucket?delete) on a versioned bucket, with or without version ids. */
export const answerDeleteObjects = (layer: VersioningLayer, request: S3Request, reply: FastifyReply) => {
  const { objects, quiet } = parseDeleteRequest(request.body);
  const outcomes = objects.map((target) => deleteVersioned(layer, request.bucket, target, request.context));
  const deleted = outcomes.map((outcome) => ({
    Key: outcome.key,
    ...(outcome.versionId === undefined ? {} : { VersionId: outcome.versionId }),
    ...(outcome.deleteMarker
      ? { DeleteMarker: true, DeleteMarkerVersionId: outcome.deleteMarkerVersionId ?? '' }
      : {}),
  }));
  return sendXml(reply, 200, xmlDocument('DeleteResult', { Deleted: quiet ? [] : deleted }));
};
