/**
 * The JWT authorizer of an HTTP API route: the token from the identity source, verified (signature,
 * issuer, audience or client_id, expiry), then the route's scopes; 401 for a missing or bad token,
 * 403 for missing scopes ("Controlling access to HTTP APIs with JWT authorizers").
 */
import type { HttpAuthorizerSpec, HttpRouteSpec } from '../template';
import type { LocalIdentityProvider } from './jwt';

export type Authorization =
  | { readonly ok: true; readonly jwt?: { claims: Record<string, unknown>; scopes: string[] | null } }
  | {
      readonly ok: false;
      readonly statusCode: 401 | 403 | 500;
      readonly message: string;
      readonly why: string;
    };

const denied = (statusCode: 401 | 403, why: string): Authorization => ({
  ok: false,
  statusCode,
  message: statusCode === 401 ? 'Unauthorized' : 'Forbidden',
  why,
});

/** `$request.header.Authorization` or `$request.querystring.token`. */
const identityOf = (
  source: string,
  headers: Readonly<Record<string, string>>,
  query: URLSearchParams,
): string | undefined => {
  const header = /^\$request\.header\.(.+)$/.exec(source);
  if (header) return headers[(header[1] as string).toLowerCase()];
  const parameter = /^\$request\.querystring\.(.+)$/.exec(source);
  return parameter ? (query.get(parameter[1] as string) ?? undefined) : undefined;
};

export const authorize = async (
  route: HttpRouteSpec,
  authorizers: readonly HttpAuthorizerSpec[],
  identity: LocalIdentityProvider,
  request: { headers: Readonly<Record<string, string>>; query: URLSearchParams },
): Promise<Authorization> => {
  const { authorization } = route;
  if (authorization.type === 'NONE') return { ok: true };
  const authorizer = authorizers.find((candidate) => candidate.logicalId === authorization.authorizer);
  if (authorization.type !== 'JWT' || authorizer?.type !== 'JWT') {
    return {
      ok: false,
      statusCode: 500,
      message: 'Internal Server Error',
      why: `${authorization.type} authorization is not emulated locally`,
    };
  }
  const source = authorizer.identitySource[0] ?? '$request.header.Authorization';
  const raw = identityOf(source, request.headers, request.query);
  if (raw === undefined || raw.trim() === '') return denied(401, `no token in ${source}`);
  const token = raw.trim().replace(/^Bearer\s+/i, '');
  const verified = await identity.verify(token, authorizer);
  if (!verified.ok) return denied(401, verified.reason);
  const claims = verified.claims as Record<string, unknown>;
  const granted = String(claims.scope ?? claims.scp ?? '')
    .split(' ')
    .filter((scope) => scope !== '');
  if (authorization.scopes.length > 0 && !authorization.scopes.some((scope) => granted.includes(scope))) {
    return denied(403, `the token has none of the scopes ${authorization.scopes.join(', ')}`);
  }
  return { ok: true, jwt: { claims, scopes: granted.length > 0 ? granted : null } };
};
