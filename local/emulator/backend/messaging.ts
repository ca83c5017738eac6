import type { FastifyInstance } from 'fastify';
import { type FauxqsStores, onQueueCreated, type SqsMessageLike } from './fauxqs-internals';
import { SnsEnvelopes } from './sns-envelope';
import {
  addDeadLetterSourceArns,
  type DeadLetterSources,
  rememberDeadLetterSource,
} from './sqs-dead-letter-source';
import { receiveFifoInGroupOrder } from './sqs-fifo-receive';

/**
 * What the backend corrects in fauxqs's SQS and SNS: FIFO batches of one group, the DLQ source ARN,
 * and the SNS envelope's fields. Every queue is patched as it is created.
 */
export const correctMessaging = (stores: FauxqsStores, app: FastifyInstance): void => {
  const envelopes = new SnsEnvelopes(stores.snsStore);
  const sources: DeadLetterSources = new WeakMap();
  const arrival = new WeakMap<SqsMessageLike, number>();
  let arrivals = 0;
  onQueueCreated(stores.sqsStore, (queue) => {
    const enqueue = queue.enqueue.bind(queue);
    queue.enqueue = (message) => {
      arrival.set(message, ++arrivals);
      envelopes.rewrite(message);
      enqueue(message);
    };
    queue.dequeueFifo = receiveFifoInGroupOrder(queue, arrival);
    rememberDeadLetterSource(queue, sources);
  });
  app.addHook('onSend', async (request, _reply, payload) =>
    addDeadLetterSourceArns(request, payload, stores.sqsStore, sources),
  );
};
