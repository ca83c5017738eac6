import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  type CommitPlan,
  type CommitResult,
  commitPlan,
  type GroupResult,
  ImageTable,
  imagePartition,
} from '../../lambdas/shared/store';

/**
 * The baseline of the batching comparison: the same table, but a result is written the way a
 * consumer without transactions or batch calls would: the stage record (conditionally, so order
 * still holds), then each derived item with its own PutItem or DeleteItem, one after the other.
 */
export class PerItemImageTable extends ImageTable {
  private readonly client: DynamoDBDocumentClient;

  constructor(doc: DynamoDBDocumentClient, tableName: string) {
    super(doc, tableName);
    this.client = doc;
  }

  /** One image at a time, as a consumer without transactions would: no group requests. */
  override async commitGroup(
    plans: readonly CommitPlan[],
    abortSignal?: AbortSignal,
  ): Promise<GroupResult[]> {
    const results: GroupResult[] = [];
    for (const plan of plans) {
      try {
        results.push(await this.commit(plan, abortSignal));
      } catch (error) {
        results.push({ error });
      }
    }
    return results;
  }

  override async commit(plan: CommitPlan, abortSignal?: AbortSignal): Promise<CommitResult> {
    const recordOnly = { ...plan, items: [], deletes: [] };
    if ((await commitPlan(this.client, this.tableName, recordOnly, abortSignal)) === 'conflict')
      return 'conflict';
    for (const Item of plan.items) {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item }), { abortSignal });
    }
    const pk = imagePartition(plan.record.imageId);
    for (const sk of plan.deletes) {
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk, sk } }), {
        abortSignal,
      });
    }
    return 'committed';
  }
}
