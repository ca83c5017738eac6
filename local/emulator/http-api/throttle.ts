import type { HttpThrottle } from '../template';

/**
 * Stage throttling as API Gateway applies it: a token bucket per route holding up to the burst
 * limit, refilled at the rate limit; a request finding it empty gets 429 Too Many Requests.
 */
export const createThrottle = (
  defaults: HttpThrottle,
  perRoute: Readonly<Record<string, HttpThrottle>>,
  now: () => number = Date.now,
) => {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (routeKey: string): boolean => {
    const { rateLimit, burstLimit } = { ...defaults, ...perRoute[routeKey] };
    if (rateLimit === undefined && burstLimit === undefined) return true;
    const rate = rateLimit ?? Number.POSITIVE_INFINITY;
    const capacity = Math.max(1, burstLimit ?? rate);
    const time = now();
    const bucket = buckets.get(routeKey) ?? { tokens: capacity, at: time };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((time - bucket.at) / 1000) * rate);
    bucket.at = time;
    buckets.set(routeKey, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };
};
