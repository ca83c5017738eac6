import { setTimeout as sleep } from 'node:timers/promises';

/** Full-jitter exponential backoff, as AWS recommends for retrying UnprocessedItems. */
export const backoffDelay = (attempt: number, baseMs: number, capMs: number): number =>
  Math.random() * Math.min(capMs, baseMs * 2 ** attempt);

export const backoff = (attempt: number, baseMs: number, capMs: number) =>
  sleep(backoffDelay(attempt, baseMs, capMs));
