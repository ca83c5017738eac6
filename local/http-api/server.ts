import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InvokeOutcome } from '../lambda/types';
import type { HttpApiSpec, HttpStageSpec } from '../template/types';
import { authorize } from './authorize';
import { isPreflight, preflightHeaders, withCorsHeaders } from './cors';
import type { LocalIdentityProvider } from './jwt';
import {
  buildEvent,
  gatewayResponse,
  type IncomingRequest,
  mapResponse,
  type OutgoingResponse,
} from './payload';
import { createRouter } from './routes';
import { createThrottle } from './throttle';

export interface HttpApiServerOptions {
  readonly port?: number;
  readonly host?: string;
  readonly accountId: string;
  readonly identity: LocalIdentityProvider;
  /** Runs the integration's function; resolves with its outcome, whatever the function does. */
  readonly invoke: (functionName: string, event: unknown) => Promise<InvokeOutcome>;
  /** One line per request, as an access log would have it. */
  readonly onAccess?: (line: AccessLine) => void;
}

export interface AccessLine {
  readonly requestId: string;
  readonly routeKey: string;
  readonly status: number;
  readonly latencyMs: number;
  /** Why the gateway answered itself (authorizer, throttling, integration), if it did. */
  readonly error?: string;
}

export interface LocalHttpApi {
  readonly logicalId: string;
  readonly apiId: string;
  /** The stage's base URL, ending in a slash. */
  readonly url: string;
  stop(): Promise<void>;
}

/** API Gateway's payload limit for HTTP APIs. */
const maxBodyBytes = 10 * 1024 * 1024;

const readBody = (request: IncomingMessage): Promise<Buffer | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > maxBodyBytes ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });

const joinedHeaders = (request: IncomingMessage): Record<string, string> =>
  Object.fromEntries(
    Object.entries(request.headers)
      .filter((entry): entry is [string, string | string[]] => entry[1] !== undefined)
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : value]),
  );

/** The stage a path is for, and the path below it: `$default` serves at the root. */
const stageOf = (stages: readonly HttpStageSpec[], path: string) => {
  const fallback = stages.find((stage) => stage.name === '$default');
  const [, first = ''] = path.split('/');
  const named = stages.find((stage) => stage.name === first && stage.name !== '$default');
  if (named) return { stage: named, routePath: path.slice(first.length + 1) || '/' };
  return fallback ? { stage: fallback, routePath: path } : undefined;
};

const write = (response: ServerResponse, outgoing: OutgoingResponse) => {
  response.statusCode = outgoing.statusCode;
  for (const [name, value] of Object.entries(outgoing.headers)) response.setHeader(name, value);
  if (outgoing.cookies.length > 0) response.setHeader('set-cookie', [...outgoing.cookies]);
  response.setHeader('content-length', outgoing.body.length);
  response.setHeader('apigw-requestid', response.getHeader('apigw-requestid') ?? randomUUID());
  response.end(outgoing.body);
};

const withTimeout = (work: Promise<InvokeOutcome>, ms: number) =>
  new Promise<InvokeOutcome | 'timeout'>((resolve, reject) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    work.then(
      (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });

/**
 * Serves one HTTP API of the template on its own port, as API Gateway would: stage and route
 * selection, CORS, stage throttling, the JWT authorizer, then the Lambda integration with a
 * payload 2.0 event, its answer mapped by the 2.0 rules.
 */
export const startHttpApi = async (
  api: HttpApiSpec,
  options: HttpApiServerOptions,
): Promise<LocalHttpApi> => {
  const route = createRouter(api.routes);
  const throttles = new Map(
    api.stages.map((stage) => [stage.name, createThrottle(stage.throttle, stage.routeThrottles)]),
  );

  const handle = async (
    request: IncomingMessage,
    requestId: string,
  ): Promise<[OutgoingResponse, string, string?]> => {
    const url = new URL(request.url ?? '/', 'http://local');
    const method = (request.method ?? 'GET').toUpperCase();
    const headers = joinedHeaders(request);
    if (api.cors && isPreflight(method, headers)) {
      return [
        {
          statusCode: 204,
          headers: preflightHeaders(api.cors, headers.origin),
          cookies: [],
          body: Buffer.alloc(0),
        },
        '-',
      ];
    }
    const staged = stageOf(api.stages, url.pathname);
    const matched = staged && route(method, staged.routePath);
    if (staged === undefined || matched === undefined) return [gatewayResponse(404, 'Not Found'), '-'];
    const routeKey = matched.route.routeKey;
    if (!(throttles.get(staged.stage.name)?.(routeKey) ?? true)) {
      return [gatewayResponse(429, 'Too Many Requests'), routeKey, 'throttled'];
    }
    const body = await readBody(request);
    if (body === undefined) return [gatewayResponse(413, 'Request Entity Too Large'), routeKey];
    const auth = await authorize(matched.route, api.authorizers, options.identity, {
      headers,
      query: url.searchParams,
    });
    if (!auth.ok) return [gatewayResponse(auth.statusCode, auth.message), routeKey, auth.why];
    const integration = api.integrations.find(
      (candidate) => candidate.logicalId === matched.route.integration,
    );
    if (integration?.functionName === undefined || integration.payloadFormatVersion !== '2.0') {
      return [
        gatewayResponse(500, 'Internal Server Error'),
        routeKey,
        'only Lambda proxy integrations with payload 2.0 run locally',
      ];
    }
    const incoming: IncomingRequest = {
      method,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      body,
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
    };
    const event = buildEvent(incoming, {
      accountId: options.accountId,
      apiId: api.apiId,
      stage: staged.stage.name,
      routeKey,
      requestId,
      pathParameters: matched.pathParameters,
      stageVariables: staged.stage.stageVariables,
      ...(auth.jwt === undefined ? {} : { jwt: auth.jwt }),
    });
    const outcome = await withTimeout(options.invoke(integration.functionName, event), integration.timeoutMs);
    if (outcome === 'timeout')
      return [gatewayResponse(503, 'Service Unavailable'), routeKey, 'integration timed out'];
    const why = outcome.status === 'ok' ? undefined : `${outcome.status}: ${outcome.errorMessage}`;
    return [mapResponse(outcome), routeKey, why];
  };

  const server = createServer((request, response) => {
    const started = Date.now();
    const requestId = randomUUID();
    response.setHeader('apigw-requestid', requestId);
    handle(request, requestId)
      .catch((error: unknown): [OutgoingResponse, string, string] => [
        gatewayResponse(500, 'Internal Server Error'),
        '-',
        error instanceof Error ? error.message : String(error),
      ])
      .then(([outgoing, routeKey, error]) => {
        const origin = request.headers.origin;
        write(response, { ...outgoing, headers: withCorsHeaders(api.cors, origin, outgoing.headers) });
        options.onAccess?.({
          requestId,
          routeKey,
          status: outgoing.statusCode,
          latencyMs: Date.now() - started,
          ...(error === undefined ? {} : { error }),
        });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const defaultStage = api.stages.some((stage) => stage.name === '$default');
  const stagePath = defaultStage ? '' : `${api.stages[0]?.name ?? ''}/`;
  return {
    logicalId: api.logicalId,
    apiId: api.apiId,
    url: `http://${options.host ?? '127.0.0.1'}:${port}/${stagePath}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
