import type { DynaliteClient, Item } from './dynalite-client';
import type { ItemRef } from './dynamo-items';

/** One request of a BatchWriteItem: an item to put, or the key of one to delete. */
export type ItemWrite =
  | { readonly table: string; readonly put: Item }
  | { readonly table: string; readonly delete: Item };

/** AWS API reference "BatchWriteItem": up to 25 put or delete requests a call. */
const batchWriteLimit = 25;

type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

interface BatchWriteOutput {
  readonly UnprocessedItems?: Record<string, WriteRequest[]>;
}

const requestItems = (writes: readonly ItemWrite[]) => {
  const byTable: Record<string, WriteRequest[]> = {};
  for (const write of writes) {
    const requests = byTable[write.table] ?? [];
    requests.push(
      'put' in write ? { PutRequest: { Item: write.put } } : { DeleteRequest: { Key: write.delete } },
    );
    byTable[write.table] = requests;
  }
  return byTable;
};

const writeChunk = async (dynalite: DynaliteClient, writes: readonly ItemWrite[]) => {
  let request = requestItems(writes);
  while (Object.keys(request).length > 0) {
    const output = await dynalite.call<BatchWriteOutput>('BatchWriteItem', { RequestItems: request });
    request = output.UnprocessedItems ?? {};
  }
};

/**
 * Applies writes to different items with BatchWriteItem, 25 a call, the calls side by side. Every call
 * has finished when this settles, so nothing lands after a caller starts undoing a failure.
 */
export const writeItems = async (dynalite: DynaliteClient, writes: readonly ItemWrite[]): Promise<void> => {
  const chunks: ItemWrite[][] = [];
  for (let start = 0; start < writes.length; start += batchWriteLimit)
    chunks.push(writes.slice(start, start + batchWriteLimit));
  const results = await Promise.allSettled(chunks.map((chunk) => writeChunk(dynalite, chunk)));
  const failure = results.find((result) => result.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
};

/** The writes that put items back as they were: their before-image, or a delete where there was none. */
export const restoringWrites = (refs: readonly ItemRef[], before: ReadonlyMap<string, Item>): ItemWrite[] =>
  refs.map((ref) => {
    const image = before.get(ref.id);
    return image === undefined ? { table: ref.table, delete: ref.key } : { table: ref.table, put: image };
  });
