import type { S3Client } from '@aws-sdk/client-s3';
import type { ImageSearch } from '../indexing/search';
import type { ImageTable } from '../shared/store';
import { tableSchema } from '../shared/store/schema';
import type { BacklogGauge } from './backlog';
import type { ApiConfig } from './config';
import { type ApiRouteKey, apiRoutes } from './constants';
import { BackPressureError, BadRequestError, NotFoundError } from './errors';
import {
  type ApiEvent,
  type ApiResult,
  json,
  jsonBody,
  limitParameter,
  pathParameter,
  queryParameter,
} from './http';
import { ownerOf } from './identity';
import { deleteImage, findOwnedImage, hitView, imageView, similarImages } from './images';
import { grantUpload, parseUploadRequest } from './uploads';

/** Everything the routes work with, created once per container (handler.ts) or by a test. */
export interface ApiContext {
  readonly config: ApiConfig;
  readonly s3: S3Client;
  readonly table: ImageTable;
  readonly search: ImageSearch;
  readonly gauge: BacklogGauge;
  /** Counts an accepted or refused upload (EMF metrics in Lambda). */
  readonly countUpload: (outcome: 'accepted' | 'refused') => void;
}

type Route = (event: ApiEvent, context: ApiContext) => Promise<ApiResult>;

const createUpload: Route = async (event, context) => {
  const { config } = context;
  const owner = ownerOf(event);
  const request = parseUploadRequest(jsonBody(event), config.maxImageBytes);
  const verdict = await context.gauge.check();
  if (!verdict.accept) {
    context.countUpload('refused');
    throw new BackPressureError(verdict.retryAfterSeconds, { queues: verdict.queues });
  }
  const grant = await grantUpload(
    context.s3,
    {
      bucket: config.uploadsBucket,
      prefix: config.uploadsPrefix,
      maxImageBytes: config.maxImageBytes,
      expiresInSeconds: config.uploadUrlSeconds,
    },
    owner,
    request,
  );
  context.gauge.accepted();
  context.countUpload('accepted');
  return json(201, grant, { location: `/images/${grant.imageId}` });
};

const getImage: Route = async (event, context) => {
  const image = await findOwnedImage(context.table, pathParameter(event, 'imageId'), ownerOf(event));
  return json(
    200,
    await imageView(context.s3, image, {
      derivedBucket: context.config.derivedBucket,
      downloadUrlSeconds: context.config.downloadUrlSeconds,
    }),
  );
};

const deleteRoute: Route = async (event, context) => {
  const image = await findOwnedImage(context.table, pathParameter(event, 'imageId'), ownerOf(event));
  await deleteImage(context.s3, context.config.uploadsBucket, image);
  return json(202, { imageId: image.imageId, key: image.key, status: 'deleting' });
};

const cursorKeys = [
  tableSchema.partitionKey,
  tableSchema.sortKey,
  tableSchema.termIndex.partitionKey,
  tableSchema.termIndex.sortKey,
];

/** The opaque cursor of GET /images: the index position DynamoDB stopped at, for this owner only. */
const decodeCursor = (text: string | undefined, ownerTermValue: string) => {
  if (text === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Record<string, unknown>;
    const valid =
      Object.keys(key).length === cursorKeys.length &&
      cursorKeys.every((name) => typeof key[name] === 'string') &&
      key[tableSchema.termIndex.partitionKey] === ownerTermValue;
    if (valid) return key;
  } catch {
    // Falls through to the 400 below.
  }
  throw new BadRequestError('cursor', 'is not a cursor this API gave you');
};

const listImages: Route = async (event, context) => {
  const owner = ownerOf(event);
  const after = decodeCursor(queryParameter(event, 'cursor'), `OWNER#${owner}`);
  const page = await context.search.ownerPage(owner, { limit: limitParameter(event, 20, 100), after });
  return json(200, {
    images: page.hits.map(hitView),
    ...(page.next ? { cursor: Buffer.from(JSON.stringify(page.next)).toString('base64url') } : {}),
  });
};

const search: Route = async (event, context) => {
  const owner = ownerOf(event);
  const q = queryParameter(event, 'q');
  if (q === undefined)
    throw new BadRequestError('q', 'is required: a word from the file name, folders or metadata');
  const limit = limitParameter(event, 20, 100);
  // The token index spans every owner; a thousand newest entries are read, then the caller's kept.
  const hits = await context.search.byToken(q.trim(), { limit: 1000 });
  return json(200, {
    images: hits
      .filter((hit) => hit.owner === owner)
      .slice(0, limit)
      .map(hitView),
  });
};

const similar: Route = async (event, context) => {
  const owner = ownerOf(event);
  const image = await findOwnedImage(context.table, pathParameter(event, 'imageId'), owner);
  return json(200, { images: await similarImages(context.search, image, owner) });
};

const routes: Readonly<Record<ApiRouteKey, Route>> = {
  [apiRoutes.createUpload]: createUpload,
  [apiRoutes.getImage]: getImage,
  [apiRoutes.deleteImage]: deleteRoute,
  [apiRoutes.listImages]: listImages,
  [apiRoutes.search]: search,
  [apiRoutes.similarImages]: similar,
};

/** Dispatches on the route API Gateway matched; a route the stack does not define is not found. */
export const routeRequest = (event: ApiEvent, context: ApiContext): Promise<ApiResult> => {
  const route = Object.hasOwn(routes, event.routeKey) ? routes[event.routeKey as ApiRouteKey] : undefined;
  if (route === undefined) return Promise.reject(new NotFoundError(`Route ${event.routeKey}`));
  return route(event, context);
};
