import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

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
