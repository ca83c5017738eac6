import type { DispatchOutcome } from './throttle';

/** What Lambda makes of an invocation's outcome for the messages of its batch. */
export type BatchVerdict =
  | { readonly kind: 'all-succeeded' }
  | { readonly kind: 'partial'; readonly failed: readonly string[] }
  | { readonly kind: 'all-failed'; readonly reason: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Lambda's rules for SQS batches. A thrown error, a timeout or a throttle fails the whole batch. Without
 * ReportBatchItemFailures any answer deletes every message. With it: nothing, null, {} or an empty
 * (or null) batchItemFailures list means success; listed ids are retried and the rest deleted; an
 * answer that is not an object, a batchItemFailures that is not a list, or an entry whose
 * itemIdentifier is missing, empty, not a string or not in the batch fails the whole batch.
 */
export const judgeBatch = (
  outcome: DispatchOutcome,
  messageIds: readonly string[],
  reportBatchItemFailures: boolean,
): BatchVerdict => {
  if (outcome.status === 'throttled') {
    return {
      kind: 'all-failed',
      reason: `throttled: ${outcome.errorType}: ${outcome.errorMessage} (${outcome.reason})`,
    };
  }
  if (outcome.status === 'timeout') return { kind: 'all-failed', reason: 'function timed out' };
  if (outcome.status === 'error') {
    return { kind: 'all-failed', reason: `function error: ${outcome.errorType}: ${outcome.errorMessage}` };
  }
  if (!reportBatchItemFailures) return { kind: 'all-succeeded' };
  const { result } = outcome;
  if (result === null || result === undefined) return { kind: 'all-succeeded' };
  if (!isObject(result)) return { kind: 'all-failed', reason: 'malformed response: not a JSON object' };
  const failures = result.batchItemFailures;
  if (failures === null || failures === undefined) return { kind: 'all-succeeded' };
  if (!Array.isArray(failures))
    return { kind: 'all-failed', reason: 'malformed response: batchItemFailures is not a list' };
  const known = new Set(messageIds);
  const failed: string[] = [];
  for (const failure of failures) {
    const id = isObject(failure) ? failure.itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '' || !known.has(id)) {
      return {
        kind: 'all-failed',
        reason: `malformed response: itemIdentifier ${JSON.stringify(id)} is not in the batch`,
      };
    }
    failed.push(id);
  }
  return failed.length === 0 ? { kind: 'all-succeeded' } : { kind: 'partial', failed: [...new Set(failed)] };
};
