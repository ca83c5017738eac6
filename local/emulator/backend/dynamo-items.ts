import type { DynaliteClient, Item } from './dynalite-client';

/** One item a transaction touches: its table, its key, and an identity to compare items by. */
export interface ItemRef {
  readonly table: string;
  readonly key: Item;
  readonly id: string;
}

interface DescribeTableOutput {
  readonly Table?: { readonly KeySchema?: readonly { AttributeName: string; KeyType: string }[] };
}

/** The key attribute names of each table (hash first), asked of dynalite once per table. */
export class KeySchemas {
  readonly #known = new Map<string, Promise<readonly string[]>>();

  constructor(private readonly dynalite: DynaliteClient) {}

  of(table: string): Promise<readonly string[]> {
    let names = this.#known.get(table);
    if (names === undefined) {
      names = this.#describe(table);
      this.#known.set(table, names);
      // A table that does not exist yet may be created later.
      names.catch(() => this.#known.delete(table));
    }
    return names;
  }

  /** Called when tables are created or deleted through the backend, so schemas are read afresh. */
  forgetAll(): void {
    this.#known.clear();
  }

  async #describe(table: string): Promise<readonly string[]> {
    const { Table } = await this.dynalite.call<DescribeTableOutput>('DescribeTable', { TableName: table });
    const rank = (keyType: string) => (keyType === 'HASH' ? 0 : 1);
    const schema = [...(Table?.KeySchema ?? [])].sort((a, b) => rank(a.KeyType) - rank(b.KeyType));
    return schema.map((element) => element.AttributeName);
  }
}

export const itemRef = (table: string, keyNames: readonly string[], source: Item): ItemRef => {
  const key: Item = {};
  for (const name of keyNames) {
    const value = source[name];
    if (value !== undefined) key[name] = value;
  }
  return { table, key, id: JSON.stringify([table, ...keyNames.map((name) => source[name] ?? null)]) };
};

interface BatchGetOutput {
  readonly Responses?: Record<string, Item[]>;
  readonly UnprocessedKeys?: Record<string, { Keys: Item[] }>;
}

const batchGetLimit = 100;

/** The current items (consistent reads), by ItemRef id; an absent item has no entry. */
export const readItems = async (
  dynalite: DynaliteClient,
  refs: readonly ItemRef[],
  keySchemas: KeySchemas,
): Promise<Map<string, Item>> => {
  const found = new Map<string, Item>();
  for (let start = 0; start < refs.length; start += batchGetLimit) {
    let request: Record<string, { Keys: Item[]; ConsistentRead: true }> = {};
    for (const ref of refs.slice(start, start + batchGetLimit)) {
      const table = request[ref.table] ?? { Keys: [], ConsistentRead: true };
      table.Keys.push(ref.key);
      request[ref.table] = table;
    }
    while (Object.keys(request).length > 0) {
      const output = await dynalite.call<BatchGetOutput>('BatchGetItem', { RequestItems: request });
      for (const [table, items] of Object.entries(output.Responses ?? {})) {
        const keyNames = await keySchemas.of(table);
        for (const item of items) found.set(itemRef(table, keyNames, item).id, item);
      }
      request = {};
      for (const [table, unprocessed] of Object.entries(output.UnprocessedKeys ?? {}))
        request[table] = { Keys: unprocessed.Keys, ConsistentRead: true };
    }
  }
  return found;
};
