/**
 * Keeps a batch's messages hidden while its invocation is still under way locally. On AWS a
 * function that fits its queue's visibility timeout (which deploy-time validation ensures, and the
 * extension rule covers with a batching window) finishes before its messages come back; here a cold
 * start on a busy machine, or waiting for an execution environment, can take seconds AWS would not,
 * and the messages would reappear mid-invocation as duplicates AWS would not deliver.
 */
import type { QueuePort } from './queue';
import type { HeldMessage } from './records';

export interface VisibilityGuardOptions {
  readonly queue: QueuePort;
  readonly batch: readonly HeldMessage[];
  /** When the first of the messages becomes visible again. */
  readonly visibleAt: number;
  /** How long an extension hides them: the function's timeout and a margin. */
  readonly extendSeconds: number;
  readonly onError: (error: unknown) => void;
}

/** Extends a second before the messages would show, as long as the invocation runs; stop() ends it. */
const leadMs = 1_000;

export const guardVisibility = (options: VisibilityGuardOptions): { stop(): void } => {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (visibleAt: number) => {
    timer = setTimeout(extend, Math.max(0, visibleAt - leadMs - Date.now()));
    timer.unref();
  };
  const extend = () => {
    const messages = options.batch.map(({ message }) => message);
    const visibleAt = Date.now() + options.extendSeconds * 1000;
    options.queue.changeVisibility(messages, options.extendSeconds).then(
      () => stopped || schedule(visibleAt),
      (error) => options.onError(error),
    );
  };
  schedule(options.visibleAt);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
};
