/**
 * CORS as an HTTP API configured with a CorsConfiguration answers it: API Gateway replies to
 * preflight OPTIONS requests itself (no route, no authorizer), adds the CORS headers to every
 * response for an allowed origin, and ignores CORS headers the integration returns
 * ("Configuring CORS for an HTTP API", API Gateway developer guide).
 */
import type { HttpCorsSpec } from '../template';

type Headers = Record<string, string>;

const allowedOrigin = (cors: HttpCorsSpec, origin: string | undefined): string | undefined => {
  if (origin === undefined) return undefined;
  if (cors.allowOrigins.includes('*')) return cors.allowCredentials ? origin : '*';
  return cors.allowOrigins.includes(origin) ? origin : undefined;
};

export const isPreflight = (method: string, headers: Readonly<Record<string, string | undefined>>) =>
  method === 'OPTIONS' &&
  headers.origin !== undefined &&
  headers['access-control-request-method'] !== undefined;

export const preflightHeaders = (cors: HttpCorsSpec, origin: string | undefined): Headers => {
  const allowed = allowedOrigin(cors, origin);
  if (allowed === undefined) return {};
  return {
    'access-control-allow-origin': allowed,
    ...(cors.allowMethods.length > 0 ? { 'access-control-allow-methods': cors.allowMethods.join(',') } : {}),
    ...(cors.allowHeaders.length > 0 ? { 'access-control-allow-headers': cors.allowHeaders.join(',') } : {}),
    ...(cors.maxAgeSeconds === undefined ? {} : { 'access-control-max-age': String(cors.maxAgeSeconds) }),
    ...(cors.allowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
  };
};

/** The integration's headers without its own CORS headers, plus the API's for an allowed origin. */
export const withCorsHeaders = (
  cors: HttpCorsSpec | undefined,
  origin: string | undefined,
  headers: Headers,
) => {
  if (cors === undefined) return headers;
  const kept = Object.fromEntries(
    Object.entries(headers).filter(([name]) => !name.toLowerCase().startsWith('access-control-')),
  );
  const allowed = allowedOrigin(cors, origin);
  if (allowed === undefined) return kept;
  return {
    ...kept,
    'access-control-allow-origin': allowed,
    ...(cors.exposeHeaders.length > 0
      ? { 'access-control-expose-headers': cors.exposeHeaders.join(',') }
      : {}),
    ...(cors.allowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
  };
};
