import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  type FlushResult,
  ImageTable,
  type OwnedWrite,
  requestKey,
  type WriteRequest,
} from '../../lambdas/shared/store';

/**
 * The baseline of the batching comparison: the same table, but every write of a batch is its own
 * PutItem or DeleteItem, one after the other, as a consumer without BatchWriteItem would do it.
 */
export class PerItemImageTable extends ImageTable {
  private readonly client: DynamoDBDocumentClient;

  constructor(doc: DynamoDBDocumentClient, tableName: string) {
    super(doc, tableName);
    this.client = doc;
  }

  override async flush(writes: readonly OwnedWrite[]): Promise<FlushResult> {
    // The same items as the batched flush writes: the last write of a key wins.
    const byKey = new Map<string, { request: WriteRequest; owners: Set<string> }>();
    for (const { request, owners } of writes) {
      const { pk, sk } = requestKey(request);
      const id = `${pk}\u0000${sk}`;
      byKey.set(id, { request, owners: new Set([...(byKey.get(id)?.owners ?? []), ...owners]) });
    }
    const failedOwners = new Set<string>();
    let written = 0;
    for (const { request, owners } of byKey.values()) {
      try {
        if (request.type === 'put') {
          await this.client.send(new PutCommand({ TableName: this.tableName, Item: request.item }));
        } else {
          await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: request.key }));
        }
        written++;
      } catch {
        for (const owner of owners) failedOwners.add(owner);
      }
    }
    return { failedOwners, calls: byKey.size, written };
  }
}
