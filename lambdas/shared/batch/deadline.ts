import { setMaxListeners } from 'node:events';

export class DeadlineError extends Error {
  constructor() {
    super('Not finished before the function deadline; left for a retry');
    this.name = 'DeadlineError';
  }
}

export interface InvocationClock {
  /** Aborts when no more record work may run: the reserve is left for commits, notes and the answer. */
  readonly work: AbortSignal;
  /** Aborts when no commit or sweep may still be in flight: a third of the reserve is left. */
  readonly commits: AbortSignal;
  /** Resolves when `commits` aborts (never, without a deadline). */
  readonly commitsOver: Promise<void>;
  /** Aborts when the failure notes must stop: a sixth of the reserve is left to answer. */
  readonly notes: AbortSignal;
  dispose(): void;
}

const abortAt = (ms: number) => {
  const controller = new AbortController();
  // Every request of the batch listens to the same signal: more than the default 10 is normal here.
  setMaxListeners(0, controller.signal);
  const timer = Number.isFinite(ms)
    ? setTimeout(() => controller.abort(new DeadlineError()), Math.max(0, ms))
    : undefined;
  return { signal: controller.signal, dispose: () => clearTimeout(timer) };
};

/**
 * The invocation's deadlines, from Lambda's remaining time and the reserve kept back from it: work
 * stops a whole reserve before the timeout, commits a third of it before, notes a sixth. Without a
 * remaining time there is no deadline.
 */
export const invocationClock = (remainingMs: number | undefined, reserveMs: number): InvocationClock => {
  const left = remainingMs ?? Number.POSITIVE_INFINITY;
  const work = abortAt(left - reserveMs);
  const commits = abortAt(left - reserveMs / 3);
  const notes = abortAt(left - reserveMs / 6);
  const commitsOver = new Promise<void>((resolve) =>
    commits.signal.addEventListener('abort', () => resolve()),
  );
  return {
    work: work.signal,
    commits: commits.signal,
    commitsOver,
    notes: notes.signal,
    dispose() {
      for (const timer of [work, commits, notes]) timer.dispose();
    },
  };
};
