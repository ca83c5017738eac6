import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { tableSchema } from '../lambdas/shared/store';

/**
 * The images table as the stack defines it (same key names, same GSI), for the tests and the
 * micro benchmarks, which run the consumers without the rest of the stack.
 */
export const createImagesTable = (client: DynamoDBClient, tableName: string) => {
  const { partitionKey, sortKey, termIndex } = tableSchema;
  return client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [partitionKey, sortKey, termIndex.partitionKey, termIndex.sortKey].map(
        (name) => ({ AttributeName: name, AttributeType: 'S' }),
      ),
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: termIndex.name,
          KeySchema: [
            { AttributeName: termIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: termIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
};
