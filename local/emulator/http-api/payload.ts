/**
 * Lambda proxy integration, payload format 2.0: the event a function receives and how its answer
 * becomes the HTTP response ("Create AWS Lambda proxy integrations for HTTP APIs in API Gateway").
 */
import type { InvokeOutcome } from '../lambda';

export interface IncomingRequest {
  readonly method: string;
  /** The path as received, stage prefix included. */
  readonly rawPath: string;
  readonly rawQueryString: string;
  /** Lower-case names; repeated headers already joined with commas. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly sourceIp: string;
}

export interface EventContext {
  readonly accountId: string;
  readonly apiId: string;
  readonly stage: string;
  readonly routeKey: string;
  readonly requestId: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly stageVariables: Readonly<Record<string, string>>;
  /** Verified JWT claims and scopes, when a JWT authorizer ran. */
  readonly jwt?: {
    readonly claims: Readonly<Record<string, unknown>>;
    readonly scopes: readonly string[] | null;
  };
}

export interface OutgoingResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly cookies: readonly string[];
  readonly body: Buffer;
}

const textTypes = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+(json|xml))/i;

/** Claims reach the function as strings; a list as "[a b c]". */
const claimString = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(claimString).join(' ')}]`
    : typeof value === 'object' && value !== null
      ? JSON.stringify(value)
      : String(value);

const queryParameters = (raw: string): Record<string, string> | undefined => {
  const joined = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(raw))
    joined.set(name, [...(joined.get(name) ?? []), value]);
  return joined.size === 0
    ? undefined
    : Object.fromEntries([...joined].map(([name, values]) => [name, values.join(',')]));
};

/** "12/Mar/2020:19:03:58 +0000", as requestContext.time has it. */
const requestTime = (date: Date) => {
  const [, day, month, year, time] = /^\w+, (\d+) (\w+) (\d+) ([\d:]+)/.exec(date.toUTCString()) ?? [];
  return `${day}/${month}/${year}:${time} +0000`;
};

export const buildEvent = (request: IncomingRequest, context: EventContext, now = new Date()) => {
  const { cookie, ...headers } = request.headers;
  const contentType = headers['content-type'] ?? '';
  const binary = request.body.length > 0 && !textTypes.test(contentType);
  const host = headers.host ?? 'localhost';
  const query = queryParameters(request.rawQueryString);
  const path = request.rawPath;
  return {
    version: '2.0',
    routeKey: context.routeKey,
    rawPath: path,
    rawQueryString: request.rawQueryString,
    ...(cookie === undefined ? {} : { cookies: cookie.split(/;\s*/).filter((part) => part !== '') }),
    headers,
    ...(query === undefined ? {} : { queryStringParameters: query }),
    requestContext: {
      accountId: context.accountId,
      apiId: context.apiId,
      ...(context.jwt === undefined
        ? {}
        : {
            authorizer: {
              jwt: {
                claims: Object.fromEntries(
                  Object.entries(context.jwt.claims).map(([name, value]) => [name, claimString(value)]),
                ),
                scopes: context.jwt.scopes,
              },
            },
          }),
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: request.method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: context.requestId,
      routeKey: context.routeKey,
      stage: context.stage,
      time: requestTime(now),
      timeEpoch: now.getTime(),
    },
    ...(request.body.length === 0
      ? {}
      : { body: binary ? request.body.toString('base64') : request.body.toString('utf8') }),
    ...(Object.keys(context.pathParameters).length === 0 ? {} : { pathParameters: context.pathParameters }),
    isBase64Encoded: binary,
    ...(Object.keys(context.stageVariables).length === 0 ? {} : { stageVariables: context.stageVariables }),
  };
};

/** API Gateway's own answers, in its words. */
export const gatewayResponse = (statusCode: number, message: string): OutgoingResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  cookies: [],
  body: Buffer.from(JSON.stringify({ message })),
});

const internalError = () => gatewayResponse(500, 'Internal Server Error');

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The function's answer as HTTP: a structured result when it has a statusCode; any other JSON is a
 * 200 application/json body; a failed or malformed invocation is a 500.
 */
export const mapResponse = (outcome: InvokeOutcome): OutgoingResponse => {
  if (outcome.status !== 'ok') return internalError();
  const result = outcome.result;
  if (!isRecord(result) || result.statusCode === undefined) {
    const body = typeof result === 'string' ? result : JSON.stringify(result);
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: Buffer.from(body),
    };
  }
  const { statusCode, headers = {}, cookies = [], body, isBase64Encoded } = result;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    return internalError();
  }
  if (!isRecord(headers) || !Array.isArray(cookies) || (body !== undefined && typeof body !== 'string')) {
    return internalError();
  }
  return {
    statusCode,
    headers: Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]),
    ),
    cookies: cookies.map(String),
    body:
      body === undefined ? Buffer.alloc(0) : Buffer.from(body, isBase64Encoded === true ? 'base64' : 'utf8'),
  };
};
