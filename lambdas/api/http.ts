import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ApiError, BackPressureError, BadRequestError } from './errors';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;

export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** The answer for an error: its status and message; anything unexpected is a 500 without details. */
export const errorResult = (error: unknown): ApiResult => {
  if (error instanceof BackPressureError) {
    return json(
      429,
      { message: error.message, retryAfterSeconds: error.retryAfterSeconds, ...error.detail },
      { 'retry-after': String(error.retryAfterSeconds) },
    );
  }
  if (error instanceof BadRequestError) return json(400, { message: error.message, field: error.field });
  if (error instanceof ApiError) return json(error.statusCode, { message: error.message });
  return json(500, { message: 'Internal error' });
};

/** The JSON body as an object, or a 400 that says what is wrong with it. */
export const jsonBody = (event: ApiEvent): Record<string, unknown> => {
  if (event.body === undefined || event.body === '')
    throw new BadRequestError('body', 'a JSON object is required');
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequestError('body', 'is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadRequestError('body', 'must be a JSON object');
  }
  return parsed as Record<string, unknown>;
};

export const pathParameter = (event: ApiEvent, name: string): string => {
  const value = event.pathParameters?.[name];
  if (value === undefined || value === '') throw new BadRequestError(name, 'is required in the path');
  return value;
};

export const queryParameter = (event: ApiEvent, name: string): string | undefined => {
  const value = event.queryStringParameters?.[name];
  return value === undefined || value === '' ? undefined : value;
};

/** A page size from `?limit=`, 1 to `max`. */
export const limitParameter = (event: ApiEvent, fallback: number, max: number): number => {
  const text = queryParameter(event, 'limit');
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new BadRequestError('limit', `must be a whole number from 1 to ${max}, not "${text}"`);
  }
  return value;
};
