import fc from 'fast-check';
import type { ConsumerName } from '../../../lambdas/shared/constants';
import { consumerNames } from '../../../lambdas/shared/constants';

/** What happens to the uploads bucket (versioned), in order: the S3 side of a schedule. */
export type Operation =
  | { readonly op: 'put'; readonly key: number; readonly content: number }
  | { readonly op: 'delete'; readonly key: number }
  /** Removes one noncurrent version for good (`which` picks it among the key's versions). */
  | { readonly op: 'purge'; readonly key: number; readonly which: number }
  /** Removes the current delete marker, if the key has one: the older version is live again. */
  | { readonly op: 'undelete'; readonly key: number }
  /** An operator's reprocess request for what a consumer has stored, sent when it happens. */
  | { readonly op: 'reprocess'; readonly key: number; readonly consumer: ConsumerName };

/** How the messages of a schedule reach the consumers, and what goes wrong on the way. */
export interface Delivery {
  /** Seeds every random choice of the delivery: duplicates, order, batches, faults. */
  readonly seed: number;
  /** Share of messages delivered twice, as S3 and SQS may. */
  readonly duplicateRate: number;
  /** Share of requests that fail: throttled or 5xx, the SDK retrying some of them itself. */
  readonly faultRate: number;
  /** Share of commits that land but whose answer is lost (a timeout in the middle of a commit). */
  readonly lostAnswerRate: number;
  /** Share of invocations that run against a deadline they cannot all finish in. */
  readonly deadlineRate: number;
}

export interface Schedule {
  readonly keys: number;
  readonly operations: readonly Operation[];
  readonly delivery: Delivery;
}

export const contentVariants = 3;

const operation = (keys: number): fc.Arbitrary<Operation> => {
  const key = fc.nat({ max: keys - 1 });
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        op: fc.constant('put' as const),
        key,
        content: fc.nat({ max: contentVariants - 1 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key }) },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constant('purge' as const), key, which: fc.nat({ max: 3 }) }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('undelete' as const), key }) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('reprocess' as const),
        key,
        consumer: fc.constantFrom(...consumerNames),
      }),
    },
  );
};

/** Schedules over a few keys: uploads, overwrites with other content, deletes, purges, undeletes, reprocessing. */
export const schedules = (maxOperations = 8): fc.Arbitrary<Schedule> =>
  fc.integer({ min: 1, max: 2 }).chain((keys) =>
    fc.record({
      keys: fc.constant(keys),
      operations: fc.array(operation(keys), { minLength: 1, maxLength: maxOperations }),
      delivery: fc.record({
        seed: fc.integer(),
        duplicateRate: fc.constantFrom(0, 0.3),
        faultRate: fc.constantFrom(0, 0.1, 0.25),
        lostAnswerRate: fc.constantFrom(0, 0.2),
        deadlineRate: fc.constantFrom(0, 0.3),
      }),
    }),
  );

/** One line per operation, for a failure message a person can replay by hand. */
export const describeSchedule = ({ operations, delivery }: Schedule): string =>
  [
    ...operations.map(
      (o, i) =>
        `  ${i + 1}. ${o.op} key${o.key}${'content' in o ? ` content${o.content}` : ''}${'which' in o ? ` version#${o.which}` : ''}${'consumer' in o ? ` ${o.consumer}` : ''}`,
    ),
    `  delivery ${JSON.stringify(delivery)}`,
  ].join('\n');
