import { createHash } from 'node:crypto';
import { UnauthorizedError } from './errors';
import type { ApiEvent } from './http';

/** A `sub` that is safe as one folder of a key is used as it is (Cognito's are UUIDs). */
const safeSegment = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The owner of everything the caller uploads: the `sub` claim the JWT authorizer verified, never
 * anything from the request. It names the first folder under uploads/ (`uploads/<owner>/...`), so a
 * `sub` with other characters (Auth0's `auth0|123`, say) becomes a stable hash of itself.
 */
export const ownerOf = (event: ApiEvent): string => {
  const sub = event.requestContext.authorizer?.jwt?.claims?.sub;
  if (typeof sub !== 'string' || sub === '') throw new UnauthorizedError('The token has no sub claim');
  return safeSegment.test(sub)
    ? sub
    : `u-${createHash('sha256').update(sub).digest('base64url').slice(0, 32)}`;
};
