import {
  type CommitPlan,
  type CommitResult,
  checkSizes,
  type GroupResult,
  type ImageTable,
  planWeight,
  transactionActionLimit,
  transactionByteLimit,
} from '../store';

interface Waiting {
  readonly plan: CommitPlan;
  readonly answer: (result: CommitResult | { readonly error: unknown }) => void;
}

export interface CommitQueueOptions {
  /** Group requests in flight at once; the plans that arrive meanwhile wait and go together. */
  readonly inFlight: number;
  readonly signal: AbortSignal;
  /**
   * While true, waiting plans that fit one group wait for more to join them (other images of the
   * batch are still being worked on); `release()` says it may have turned false.
   */
  readonly gathering?: () => boolean;
}

/**
 * How many of the waiting plans, in arrival order, fit one TransactWriteItems (100 actions, 4 MB);
 * the first always goes, so a plan too large on its own is sent, and refused, rather than kept.
 */
const groupLength = (waiting: readonly Waiting[]): number => {
  let actions = 0;
  let bytes = 0;
  for (const [index, { plan }] of waiting.entries()) {
    const weight = planWeight(plan);
    actions += weight.actions;
    bytes += weight.bytes;
    if (index > 0 && (actions > transactionActionLimit || bytes > transactionByteLimit)) return index;
  }
  return waiting.length;
};

/** Whether the waiting plans are more than one TransactWriteItems takes. */
const overOneGroup = (waiting: readonly Waiting[]): boolean => groupLength(waiting) < waiting.length;

/** As many waiting plans as fit one TransactWriteItems, in arrival order. */
const takeGroup = (waiting: Waiting[]): Waiting[] => waiting.splice(0, groupLength(waiting));

/**
 * The commits of a batch, grouped: while images of the batch are still being worked on (and the
 * work deadline has not passed), or while `inFlight` group requests are out, the plans that are
 * ready wait, and then go as one TransactWriteItems: a batch of ten images costs one request
 * rather than ten. A plan cancelled only because another of its group failed goes again, first in
 * line; every other outcome is the plan's own.
 */
export const createCommitQueue = (
  table: ImageTable,
  { inFlight, signal, gathering = () => false }: CommitQueueOptions,
) => {
  const waiting: Waiting[] = [];
  let sending = 0;

  const settle = (group: readonly Waiting[], results: readonly GroupResult[]) => {
    const again = group.filter((_, index) => results[index] === 'cancelled');
    waiting.unshift(...again);
    group.forEach((entry, index) => {
      const result = results[index] ?? { error: new Error('No result for a commit of the group') };
      if (result !== 'cancelled') entry.answer(result);
    });
  };

  const pump = () => {
    while (sending < inFlight && waiting.length > 0 && (!gathering() || overOneGroup(waiting))) {
      const group = takeGroup(waiting);
      sending++;
      table
        .commitGroup(
          group.map((entry) => entry.plan),
          signal,
        )
        .then(
          (results) => settle(group, results),
          (error: unknown) =>
            settle(
              group,
              group.map(() => ({ error })),
            ),
        )
        .finally(() => {
          sending--;
          pump();
        });
    }
  };

  return {
    /** Sends what waits, if nothing more is to be gathered. */
    release: pump,
    /** Commits one plan with whatever else is waiting; throws what the commit of this plan threw. */
    async commit(plan: CommitPlan): Promise<CommitResult> {
      checkSizes(plan);
      const result = await new Promise<CommitResult | { readonly error: unknown }>((answer) => {
        waiting.push({ plan, answer });
        pump();
      });
      if (typeof result === 'object') throw result.error;
      return result;
    },
  };
};

export type CommitQueue = ReturnType<typeof createCommitQueue>;
