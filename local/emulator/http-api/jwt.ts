import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { HttpAuthorizerSpec } from '../template';

export interface TokenRequest {
  /** The user: what the API sees as `sub`. */
  readonly sub: string;
  readonly issuer: string;
  readonly audience: string;
  readonly expiresInSeconds?: number;
  readonly scopes?: readonly string[];
  readonly claims?: Readonly<Record<string, unknown>>;
}

/**
 * The local runtime is the identity provider of every JWT authorizer it emulates: it signs tokens
 * with a key pair made at start-up, for whatever issuer and audience the template's authorizer
 * names (a Cognito pool of the stack, or the issuer given by context), and verifies them as API
 * Gateway verifies tokens against the issuer's JWKS. Tokens from the real issuer do not verify here.
 */
export interface LocalIdentityProvider {
  issue(request: TokenRequest): Promise<string>;
  /** The verified claims, or why the token is refused. */
  verify(token: string, authorizer: HttpAuthorizerSpec): Promise<VerifiedToken>;
}

export type VerifiedToken =
  | { readonly ok: true; readonly claims: JWTPayload }
  | { readonly ok: false; readonly reason: string };

const algorithm = 'RS256';
/** A development token lasts a working day. */
const defaultTokenSeconds = 12 * 3600;

export const createLocalIdentityProvider = async (): Promise<LocalIdentityProvider> => {
  const { privateKey, publicKey } = await generateKeyPair(algorithm);
  const kid = randomUUID();
  const keySet = createLocalJWKSet({
    keys: [{ ...(await exportJWK(publicKey)), kid, alg: algorithm, use: 'sig' }],
  });
  return {
    issue: (request) =>
      new SignJWT({
        ...request.claims,
        token_use: 'id',
        ...(request.scopes === undefined ? {} : { scope: request.scopes.join(' ') }),
      })
        .setProtectedHeader({ alg: algorithm, kid, typ: 'JWT' })
        .setSubject(request.sub)
        .setIssuer(request.issuer)
        .setAudience(request.audience)
        .setIssuedAt()
        .setExpirationTime(`${request.expiresInSeconds ?? defaultTokenSeconds}s`)
        .sign(privateKey),
    async verify(token, authorizer) {
      try {
        // Signature, issuer, exp, nbf and iat as API Gateway checks them; the audience check is below.
        const { payload } = await jwtVerify(token, keySet, {
          algorithms: [algorithm],
          ...(authorizer.issuer === undefined ? {} : { issuer: authorizer.issuer }),
        });
        // API Gateway accepts a token whose aud, or client_id (Cognito access tokens), is an audience.
        const audiences = [payload.aud ?? [], payload.client_id ?? []].flat().map(String);
        if (!audiences.some((audience) => authorizer.audience.includes(audience))) {
          return { ok: false, reason: 'the token is for another audience' };
        }
        return { ok: true, claims: payload };
      } catch (error) {
        return { ok: false, reason: error instanceof Error ? error.message : String(error) };
      }
    },
  };
};
