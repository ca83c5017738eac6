import type { SQSRecord } from 'aws-lambda';
import { type ConsumerName, consumerNames } from '../../../lambdas/shared/constants';
import type { TestAws } from '../aws';
import { withUnprocessedItems } from '../faults';
import { dynamoWrite, type Interception, type Match } from '../interpose';
import { type IsolatedConsumer, isolatedConsumer } from '../isolated';
import type { Delivery } from './schedule';
import type { WorldMessage } from './world';

/** xorshift32 in [0, 1): the delivery's own randomness, from its seed. */
export const randomFrom = (seed: number): (() => number) => {
  let state = seed | 0 || 0x2545f491;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
};

/** Rounds with faults on; after them every message must drain without any. */
const faultyRounds = 3;
const maxRounds = 12;

const retryable = (name: string, status: number) => () =>
  Object.assign(new Error(`Injected fault: ${name}`), { name, $metadata: { httpStatusCode: status } });

const isDynamo = ({ operation }: Interception) =>
  /^(Get|Put|Delete|Update|BatchGet|BatchWrite|TransactWrite)Item/.test(operation);
const isCommit = (request: Interception) =>
  /^(PutItem|TransactWriteItems)Command$/.test(request.operation) && request.body.includes('STAGE#');

/** Faults on one consumer's requests, each decided by the delivery's dice while `on()` says so. */
const armFaults = (
  consumer: IsolatedConsumer,
  delivery: Delivery,
  random: () => number,
  on: () => boolean,
) => {
  const sometimes =
    (match: Match, rate: number): Match =>
    (request) =>
      on() && match(request) && random() < rate;
  const { s3Faults, dynamoFaults } = consumer;
  dynamoFaults.fail(sometimes(isDynamo, delivery.faultRate / 2), {
    error: retryable('ProvisionedThroughputExceededException', 400),
  });
  s3Faults.fail(
    sometimes(() => true, delivery.faultRate / 2),
    { error: retryable('InternalError', 500) },
  );
  dynamoFaults.delay(sometimes(dynamoWrite(''), delivery.faultRate), 150);
  dynamoFaults.loseResponse(sometimes(isCommit, delivery.lostAnswerRate));
};

const shuffled = <T>(items: readonly T[], random: () => number): T[] => {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
};

const batchesOf = (records: readonly SQSRecord[], random: () => number): SQSRecord[][] => {
  const batches: SQSRecord[][] = [];
  for (let i = 0; i < records.length; ) {
    const size = 1 + Math.floor(random() * 6);
    batches.push(records.slice(i, i + size));
    i += size;
  }
  return batches;
};

const redelivered = (record: SQSRecord): SQSRecord => ({
  ...record,
  attributes: {
    ...record.attributes,
    ApproximateReceiveCount: String(Number(record.attributes.ApproximateReceiveCount) + 1),
  },
});

/**
 * Delivers every message to its consumers as SQS and Lambda might: some twice, in any order, in
 * batches of any size run by concurrent invocations (some against a deadline they cannot make),
 * with faults on for the first rounds; what fails comes back in the next round, until nothing does.
 * Answers the messages that never drained, by consumer.
 */
export const deliverAll = async (aws: TestAws, messages: readonly WorldMessage[], delivery: Delivery) => {
  const random = randomFrom(delivery.seed);
  const undrained: Partial<Record<ConsumerName, number>> = {};
  const consumers = consumerNames.map((name) => {
    const state = { round: 0 };
    const faulty = () => state.round < faultyRounds;
    const noteFaults = (doc: Parameters<typeof withUnprocessedItems>[0]) =>
      withUnprocessedItems(doc, () => faulty() && random() < delivery.faultRate);
    const consumer = isolatedConsumer(aws, name, { recordConcurrency: 2, wrapTable: noteFaults });
    armFaults(consumer, delivery, random, faulty);
    return { name, consumer, state };
  });
  try {
    await Promise.all(
      consumers.map(async ({ name, consumer, state }) => {
        const own = messages
          .filter((message) => message.only === undefined || message.only === name)
          .map((m) => m.record);
        let pending = own.flatMap((record) =>
          random() < delivery.duplicateRate
            ? [record, { ...record, messageId: `${record.messageId}-copy` }]
            : [record],
        );
        for (state.round = 0; pending.length > 0 && state.round < maxRounds; state.round++) {
          const results = await Promise.all(
            batchesOf(shuffled(pending, random), random).map((batch) => {
              const tight = state.round < faultyRounds && random() < delivery.deadlineRate;
              return consumer
                .run(batch, tight ? { remainingMs: 400 + Math.floor(random() * 800), reserveMs: 300 } : {})
                .then((r) => ({ batch, r }));
            }),
          );
          const failed = new Set(
            results.flatMap(({ r }) => r.response.batchItemFailures.map((f) => f.itemIdentifier)),
          );
          pending = results.flatMap(({ batch }) =>
            batch.filter((record) => failed.has(record.messageId)).map(redelivered),
          );
        }
        if (pending.length > 0) undrained[name] = pending.length;
      }),
    );
  } finally {
    for (const { consumer } of consumers) consumer.destroy();
  }
  return undrained;
};
