import type { ConsumerName } from '../shared/constants';

/** The routes of the HTTP API, as API Gateway route keys: the stack creates them, the handler dispatches on them. */
export const apiRoutes = {
  createUpload: 'POST /uploads',
  listImages: 'GET /images',
  getImage: 'GET /images/{imageId}',
  deleteImage: 'DELETE /images/{imageId}',
  similarImages: 'GET /images/{imageId}/similar',
  search: 'GET /search',
} as const;
export type ApiRouteKey = (typeof apiRoutes)[keyof typeof apiRoutes];

/** Environment variables of the API function; each is set by the grant that goes with it (lib/image-api.ts). */
export const apiEnv = {
  uploadsBucket: 'UPLOADS_BUCKET',
  uploadsPrefix: 'UPLOADS_PREFIX',
  derivedBucket: 'DERIVED_BUCKET',
  tableName: 'TABLE_NAME',
  maxImageBytes: 'MAX_IMAGE_BYTES',
  uploadUrlSeconds: 'UPLOAD_URL_SECONDS',
  downloadUrlSeconds: 'DOWNLOAD_URL_SECONDS',
  maxBacklog: 'MAX_BACKLOG',
  drainSeconds: 'DRAIN_SECONDS',
  backlogReadSeconds: 'BACKLOG_READ_SECONDS',
} as const;

/** One variable per watched queue: BACKLOG_QUEUE_URL_THUMBNAIL and so on. */
export const backlogQueueVariable = (consumer: ConsumerName) => `BACKLOG_QUEUE_URL_${consumer.toUpperCase()}`;
export const backlogQueueVariablePrefix = 'BACKLOG_QUEUE_URL_';

/** The API's EMF metrics (namespace `metricsNamespace`, dimension service=image-fanout-api). */
export const apiMetrics = {
  uploadsAccepted: 'UploadsAccepted',
  uploadsRefused: 'UploadsRefused',
} as const;
export const apiServiceName = 'image-fanout-api';
