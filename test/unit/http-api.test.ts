/**
 * The local HTTP API emulation on its own: an API spec as the template reader gives it, served on a
 * free port, with an integration that answers each payload 2.0 response shape, real JWTs from the
 * local identity provider, and real HTTP from fetch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpApiSpec, HttpRouteSpec, InvokeOutcome } from '../../local/emulator';
import { type LocalHttpApi, startHttpApi } from '../../local/emulator';
import { createLocalIdentityProvider, type LocalIdentityProvider } from '../../local/emulator/http-api/jwt';
import { createRouter } from '../../local/emulator/http-api/routes';
import { createThrottle } from '../../local/emulator/http-api/throttle';

const issuer = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test';
const route = (routeKey: string, authorized = true): HttpRouteSpec => ({
  logicalId: routeKey.replace(/\W/g, ''),
  routeKey,
  integration: 'Integration',
  authorization: authorized
    ? { type: 'JWT', authorizer: 'Authorizer', scopes: [] }
    : { type: 'NONE', scopes: [] },
});

const spec: HttpApiSpec = {
  logicalId: 'Api',
  apiId: 'abc123defg',
  name: 'test',
  cors: {
    allowOrigins: ['https://app.example.com'],
    allowMethods: ['GET', 'POST'],
    allowHeaders: ['authorization'],
    exposeHeaders: ['retry-after'],
    maxAgeSeconds: 600,
    allowCredentials: false,
  },
  routes: [
    route('GET /items/{id}'),
    route('GET /items/special'),
    route('ANY /files/{path+}', false),
    route('ANY /shapes/{shape}', false),
    { ...route('GET /admin'), authorization: { type: 'JWT', authorizer: 'Authorizer', scopes: ['admin'] } },
  ],
  integrations: [
    {
      logicalId: 'Integration',
      type: 'AWS_PROXY',
      functionName: 'fn',
      uri: 'fn',
      payloadFormatVersion: '2.0',
      timeoutMs: 500,
    },
  ],
  authorizers: [
    {
      logicalId: 'Authorizer',
      name: 'jwt',
      type: 'JWT',
      identitySource: ['$request.header.Authorization'],
      issuer,
      audience: ['client-1'],
    },
  ],
  stages: [
    {
      logicalId: 'Stage',
      name: '$default',
      throttle: {},
      routeThrottles: { 'ANY /files/{path+}': { rateLimit: 1, burstLimit: 3 } },
      stageVariables: {},
    },
  ],
};

/** What the integration answers for each shape: `POST /shapes/<shape>`; anything else echoes the event. */
const shapes: Record<string, () => InvokeOutcome | Promise<InvokeOutcome>> = {
  structured: () =>
    ok({
      statusCode: 418,
      headers: { 'x-a': 1, 'access-control-allow-origin': '*' },
      cookies: ['a=1', 'b=2'],
      body: 'teapot',
    }),
  binary: () =>
    ok({ statusCode: 200, body: Buffer.from([0, 1, 2]).toString('base64'), isBase64Encoded: true }),
  plain: () => ok({ hello: 'world' }),
  string: () => ok('just text'),
  malformed: () => ok({ statusCode: 'two hundred' }),
  error: () => ({
    requestId: 'r',
    durationMs: 1,
    coldStart: false,
    status: 'error',
    errorType: 'Error',
    errorMessage: 'boom',
  }),
  slow: () => new Promise((resolve) => setTimeout(() => resolve(ok({ statusCode: 200 })), 2_000)),
};
const ok = (result: unknown): InvokeOutcome => ({
  requestId: 'r',
  durationMs: 1,
  coldStart: false,
  status: 'ok',
  result,
});

let identity: LocalIdentityProvider;
let api: LocalHttpApi;
let token: string;

beforeAll(async () => {
  identity = await createLocalIdentityProvider();
  token = await identity.issue({
    sub: 'alice',
    issuer,
    audience: 'client-1',
    claims: { groups: ['a', 'b'] },
  });
  api = await startHttpApi(spec, {
    accountId: '000000000000',
    identity,
    invoke: async (_fn, event) => {
      const shape = (event as { pathParameters?: { shape?: string } }).pathParameters?.shape;
      return shape === undefined
        ? ok({ statusCode: 200, body: JSON.stringify(event) })
        : (shapes[shape]?.() ?? ok(null));
    },
  });
});

afterAll(async () => {
  await api?.stop();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(new URL(path, api.url), { headers: { authorization: `Bearer ${token}`, ...headers } });

describe('route selection', () => {
  it('prefers a literal path over a variable, a variable over a greedy one, a method over ANY', () => {
    const select = createRouter([
      route('ANY /{proxy+}'),
      route('GET /items/{id}'),
      route('GET /items/special'),
      route('ANY /items/{id}'),
      route('$default'),
    ]);
    expect(select('GET', '/items/special')?.route.routeKey).toBe('GET /items/special');
    expect(select('GET', '/items/42')).toMatchObject({
      route: { routeKey: 'GET /items/{id}' },
      pathParameters: { id: '42' },
    });
    expect(select('DELETE', '/items/42')?.route.routeKey).toBe('ANY /items/{id}');
    expect(select('GET', '/a/b/c')).toMatchObject({
      route: { routeKey: 'ANY /{proxy+}' },
      pathParameters: { proxy: 'a/b/c' },
    });
    expect(select('GET', '/')?.route.routeKey).toBe('$default');
  });
});

describe('requests through the API', () => {
  it('passes a payload 2.0 event with path parameters, query, cookies and the verified claims as strings', async () => {
    const response = await get('items/a%20b?x=1&x=2&y=3', { cookie: 'c1=v1; c2=v2', 'x-multi': 'one' });
    expect(response.status).toBe(200);
    const event = (await response.json()) as { headers: Record<string, string> };
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /items/{id}',
      rawPath: '/items/a%20b',
      rawQueryString: 'x=1&x=2&y=3',
      cookies: ['c1=v1', 'c2=v2'],
      queryStringParameters: { x: '1,2', y: '3' },
      pathParameters: { id: 'a b' },
      isBase64Encoded: false,
      requestContext: {
        apiId: 'abc123defg',
        stage: '$default',
        http: { method: 'GET', path: '/items/a%20b' },
        authorizer: {
          jwt: { claims: { sub: 'alice', iss: issuer, aud: 'client-1', groups: '[a b]' }, scopes: null },
        },
      },
    });
    expect(event.headers.cookie).toBeUndefined();
    expect(event.headers['x-multi']).toBe('one');
  });

  it('maps each response shape by the 2.0 rules', async () => {
    const structured = await get('shapes/structured', { origin: 'https://app.example.com' });
    expect(structured.status).toBe(418);
    expect(structured.headers.get('x-a')).toBe('1');
    expect(structured.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    // API Gateway ignores the integration's CORS headers and sends the API's own.
    expect(structured.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(structured.headers.get('access-control-expose-headers')).toBe('retry-after');
    expect(await structured.text()).toBe('teapot');
    expect(Buffer.from(await (await get('shapes/binary')).arrayBuffer())).toEqual(Buffer.from([0, 1, 2]));
    const plain = await get('shapes/plain');
    expect([plain.status, plain.headers.get('content-type'), await plain.json()]).toEqual([
      200,
      'application/json',
      { hello: 'world' },
    ]);
    expect(await (await get('shapes/string')).text()).toBe('just text');
    for (const shape of ['malformed', 'error']) {
      const failed = await get(`shapes/${shape}`);
      expect([failed.status, await failed.json()]).toEqual([500, { message: 'Internal Server Error' }]);
    }
    const slow = await get('shapes/slow');
    expect([slow.status, await slow.json()]).toEqual([503, { message: 'Service Unavailable' }]);
  });

  it('answers 401 without a valid token, 403 without the route’s scope, 404 without a route', async () => {
    expect((await fetch(new URL('items/1', api.url))).status).toBe(401);
    expect((await get('items/1', { authorization: 'Bearer x.y.z' })).status).toBe(401);
    const otherAudience = await identity.issue({ sub: 'alice', issuer, audience: 'client-2' });
    expect((await get('items/1', { authorization: otherAudience })).status).toBe(401);
    const forbidden = await get('admin');
    expect([forbidden.status, await forbidden.json()]).toEqual([403, { message: 'Forbidden' }]);
    const admin = await identity.issue({ sub: 'root', issuer, audience: 'client-1', scopes: ['admin'] });
    expect((await get('admin', { authorization: admin })).status).toBe(200);
    const missing = await get('nothing/here');
    expect([missing.status, await missing.json()]).toEqual([404, { message: 'Not Found' }]);
  });

  it('answers a CORS preflight itself, without the authorizer', async () => {
    const preflight = await fetch(new URL('items/1', api.url), {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(
      Object.fromEntries([...preflight.headers].filter(([name]) => name.startsWith('access-control-'))),
    ).toEqual({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-methods': 'GET,POST',
      'access-control-allow-headers': 'authorization',
      'access-control-max-age': '600',
    });
    const stranger = await fetch(new URL('items/1', api.url), {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' },
    });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('stage throttling', () => {
  it('lets a burst through, then refuses until the rate refills the bucket', () => {
    let now = 0;
    const allow = createThrottle({ rateLimit: 2, burstLimit: 3 }, {}, () => now);
    expect([1, 2, 3, 4].map(() => allow('GET /x'))).toEqual([true, true, true, false]);
    now += 500;
    expect([allow('GET /x'), allow('GET /x')]).toEqual([true, false]);
    // Each route has its own bucket.
    expect(allow('GET /y')).toBe(true);
  });

  it('answers 429 Too Many Requests from the server past the burst', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(new URL('files/a/b', api.url))).status);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(0);
  });
});
