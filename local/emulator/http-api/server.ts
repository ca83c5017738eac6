import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InvokeOutcome } from '../lambda';
import type { HttpApiSpec, HttpStageSpec } from '../template';
import { authorize } from './authorize';
import { isPreflight, preflightHeaders, withCorsHeaders } from './cors';
import type { LocalIdentityProvider } from './jwt';
import {
  buildEvent,
  type EventContext,
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

/** What one request came to: the answer, the route it matched, and why the gateway answered itself. */
interface Handled {
  readonly response: OutgoingResponse;
  readonly routeKey: string;
  readonly error?: string;
  /** A preflight answer already carries its CORS headers. */
  readonly preflight?: boolean;
}

interface Gateway {
  readonly api: HttpApiSpec;
  readonly options: HttpApiServerOptions;
  readonly route: ReturnType<typeof createRouter>;
  readonly throttles: ReadonlyMap<string, ReturnType<typeof createThrottle>>;
}

const gatewayAnswer = (statusCode: number, message: string, routeKey = '-', error?: string): Handled => ({
  response: gatewayResponse(statusCode, message),
  routeKey,
  ...(error === undefined ? {} : { error }),
});

/** The Lambda integration: the 2.0 event in, the 2.0 mapping out, API Gateway's 30 s limit between. */
const integrate = async (
  gateway: Gateway,
  request: IncomingRequest,
  context: EventContext,
  routeIntegration: string | undefined,
): Promise<Handled> => {
  const integration = gateway.api.integrations.find((candidate) => candidate.logicalId === routeIntegration);
  if (integration?.functionName === undefined || integration.payloadFormatVersion !== '2.0') {
    return gatewayAnswer(
      500,
      'Internal Server Error',
      context.routeKey,
      'only Lambda proxy integrations with payload 2.0 run locally',
    );
  }
  const event = buildEvent(request, context);
  const outcome = await withTimeout(
    gateway.options.invoke(integration.functionName, event),
    integration.timeoutMs,
  );
  if (outcome === 'timeout')
    return gatewayAnswer(503, 'Service Unavailable', context.routeKey, 'integration timed out');
  return {
    response: mapResponse(outcome),
    routeKey: context.routeKey,
    ...(outcome.status === 'ok' ? {} : { error: `${outcome.status}: ${outcome.errorMessage}` }),
  };
};

/** One request, as API Gateway takes it: preflight, stage and route, throttling, authorizer, integration. */
const handle = async (gateway: Gateway, request: IncomingMessage, requestId: string): Promise<Handled> => {
  const { api, options } = gateway;
  const url = new URL(request.url ?? '/', 'http://local');
  const method = (request.method ?? 'GET').toUpperCase();
  const headers = joinedHeaders(request);
  if (api.cors && isPreflight(method, headers)) {
    const response = {
      statusCode: 204,
      headers: preflightHeaders(api.cors, headers.origin),
      cookies: [],
      body: Buffer.alloc(0),
    };
    return { response, routeKey: '-', preflight: true };
  }
  const staged = stageOf(api.stages, url.pathname);
  const matched = staged && gateway.route(method, staged.routePath);
  if (staged === undefined || matched === undefined) return gatewayAnswer(404, 'Not Found');
  const routeKey = matched.route.routeKey;
  if (!(gateway.throttles.get(staged.stage.name)?.(routeKey) ?? true)) {
    return gatewayAnswer(429, 'Too Many Requests', routeKey, 'throttled');
  }
  const body = await readBody(request);
  if (body === undefined) return gatewayAnswer(413, 'Request Entity Too Large', routeKey);
  const auth = await authorize(matched.route, api.authorizers, options.identity, {
    headers,
    query: url.searchParams,
  });
  if (!auth.ok) return gatewayAnswer(auth.statusCode, auth.message, routeKey, auth.why);
  const incoming: IncomingRequest = {
    method,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    body,
    sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
  };
  const context: EventContext = {
    accountId: options.accountId,
    apiId: api.apiId,
    stage: staged.stage.name,
    routeKey,
    requestId,
    pathParameters: matched.pathParameters,
    stageVariables: staged.stage.stageVariables,
    ...(auth.jwt === undefined ? {} : { jwt: auth.jwt }),
  };
  return integrate(gateway, incoming, context, matched.route.integration);
};

const listen = async (server: Server, port: number, host: string) => {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
};

/**
 * Serves one HTTP API of the template on its own port, as API Gateway would: stage and route
 * selection, CORS, stage throttling, the JWT authorizer, then the Lambda integration with a
 * payload 2.0 event, its answer mapped by the 2.0 rules.
 */
export const startHttpApi = async (
  api: HttpApiSpec,
  options: HttpApiServerOptions,
): Promise<LocalHttpApi> => {
  const gateway: Gateway = {
    api,
    options,
    route: createRouter(api.routes),
    throttles: new Map(
      api.stages.map((stage) => [stage.name, createThrottle(stage.throttle, stage.routeThrottles)]),
    ),
  };
  const server = createServer((request, response) => {
    const started = Date.now();
    const requestId = randomUUID();
    void handle(gateway, request, requestId)
      .catch((error: unknown) =>
        gatewayAnswer(
          500,
          'Internal Server Error',
          '-',
          error instanceof Error ? error.message : String(error),
        ),
      )
      .then((handled) => {
        const { response: outgoing } = handled;
        const headers = handled.preflight
          ? outgoing.headers
          : withCorsHeaders(api.cors, request.headers.origin, outgoing.headers);
        write(response, { ...outgoing, headers: { ...headers, 'apigw-requestid': requestId } });
        options.onAccess?.({
          requestId,
          routeKey: handled.routeKey,
          status: outgoing.statusCode,
          latencyMs: Date.now() - started,
          ...(handled.error === undefined ? {} : { error: handled.error }),
        });
      });
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port ?? 0, host);
  const stagePath = api.stages.some((stage) => stage.name === '$default')
    ? ''
    : `${api.stages[0]?.name ?? ''}/`;
  return {
    logicalId: api.logicalId,
    apiId: api.apiId,
    url: `http://${host}:${port}/${stagePath}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
