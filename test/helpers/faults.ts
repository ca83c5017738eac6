import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';

type Send = DynamoDBDocumentClient['send'];

/**
 * A real document client whose BatchWriteItem calls leave some items unprocessed, as DynamoDB does
 * under throttling: the items for which `refuse(item, attempt)` is true are not written and come
 * back in UnprocessedItems; everything else really is written.
 */
export const withUnprocessedItems = (
  doc: DynamoDBDocumentClient,
  refuse: (item: Record<string, unknown>, attempt: number) => boolean,
): DynamoDBDocumentClient & { batchWriteCalls: number } => {
  let calls = 0;
  const send = (async (command: Parameters<Send>[0]) => {
    if (!(command instanceof BatchWriteCommand)) return doc.send(command as never);
    calls++;
    const attempt = calls;
    const requestItems = command.input.RequestItems ?? {};
    const accepted: typeof requestItems = {};
    const unprocessed: typeof requestItems = {};
    for (const [table, requests] of Object.entries(requestItems)) {
      for (const request of requests) {
        const item = (request.PutRequest?.Item ?? request.DeleteRequest?.Key ?? {}) as Record<
          string,
          unknown
        >;
        const target = refuse(item, attempt) ? unprocessed : accepted;
        target[table] = [...(target[table] ?? []), request];
      }
    }
    if (Object.keys(accepted).length > 0) await doc.send(new BatchWriteCommand({ RequestItems: accepted }));
    return { UnprocessedItems: unprocessed, $metadata: {} };
  }) as Send;
  return new Proxy(doc, {
    get(target, property, receiver) {
      if (property === 'send') return send;
      if (property === 'batchWriteCalls') return calls;
      return Reflect.get(target, property, receiver);
    },
  }) as DynamoDBDocumentClient & { batchWriteCalls: number };
};

type Item = Record<string, unknown>;

/** The items (or keys) each action of a TransactWriteItems touches. */
const transactionItems = (command: TransactWriteCommand): Item[] =>
  (command.input.TransactItems ?? []).map(
    (action) =>
      (action.Put?.Item ??
        action.Delete?.Key ??
        action.Update?.Key ??
        action.ConditionCheck?.Key ??
        {}) as Item,
  );

const fault = (name: string, message: string, extra: object = {}) =>
  Object.assign(new Error(message), { name, $metadata: {} }, extra);

/**
 * A real document client that refuses writes of the items `refuse` picks, the way DynamoDB does when
 * throttled, `times` times: a BatchWriteItem writes the others and returns the refused ones in
 * UnprocessedItems; a TransactWriteItems touching one is cancelled whole (nothing written); a
 * PutItem or DeleteItem of one fails.
 */
export const refusingWrites = (
  doc: DynamoDBDocumentClient,
  refuse: (item: Item) => boolean,
  { times = Number.POSITIVE_INFINITY }: { times?: number } = {},
): DynamoDBDocumentClient & { refusals: number } => {
  let refusals = 0;
  const refusing = (items: Item[]) => refusals < times && items.some(refuse) && ++refusals > 0;
  const send = (async (command: Parameters<Send>[0], options?: unknown) => {
    if (command instanceof BatchWriteCommand && refusals < times) {
      const items = Object.values(command.input.RequestItems ?? {}).flatMap((requests) =>
        requests.map((r) => (r.PutRequest?.Item ?? r.DeleteRequest?.Key ?? {}) as Item),
      );
      if (items.some(refuse)) return refusePart(doc, command, refuse, () => refusals++);
    }
    if (command instanceof TransactWriteCommand && refusing(transactionItems(command))) {
      throw fault('TransactionCanceledException', 'Transaction cancelled [ThrottlingError]', {
        CancellationReasons: transactionItems(command).map((item) => ({
          Code: refuse(item) ? 'ThrottlingError' : 'None',
        })),
      });
    }
    const single =
      command instanceof PutCommand
        ? command.input.Item
        : command instanceof DeleteCommand
          ? command.input.Key
          : undefined;
    if (single !== undefined && refusing([single as Item])) {
      throw fault('ProvisionedThroughputExceededException', 'Injected fault: throughput exceeded');
    }
    return doc.send(command as never, options as never);
  }) as Send;
  return new Proxy(doc, {
    get: (target, property, receiver) =>
      property === 'send'
        ? send
        : property === 'refusals'
          ? refusals
          : Reflect.get(target, property, receiver),
  }) as DynamoDBDocumentClient & { refusals: number };
};

const refusePart = async (
  doc: DynamoDBDocumentClient,
  command: BatchWriteCommand,
  refuse: (item: Item) => boolean,
  counted: () => void,
) => {
  const accepted: NonNullable<BatchWriteCommand['input']['RequestItems']> = {};
  const unprocessed: typeof accepted = {};
  for (const [table, requests] of Object.entries(command.input.RequestItems ?? {})) {
    for (const request of requests) {
      const item = (request.PutRequest?.Item ?? request.DeleteRequest?.Key ?? {}) as Item;
      const target = refuse(item) ? unprocessed : accepted;
      target[table] = [...(target[table] ?? []), request];
    }
  }
  counted();
  if (Object.keys(accepted).length > 0) await doc.send(new BatchWriteCommand({ RequestItems: accepted }));
  return { UnprocessedItems: unprocessed, $metadata: {} };
};
