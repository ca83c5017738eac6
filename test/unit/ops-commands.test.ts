import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { consumerNames, consumerOutputs, stackOutputs } from '../../lambdas/shared/constants';
import { runCommand, UsageError, usage } from '../../ops/commands';
import { OpsError } from '../../ops/errors';
import { targetFromOutputs } from '../../ops/target';

/** Never reached: every case here must fail before the tool talks to anything. */
const unreachable = { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1' };

const run = (argv: string[]) => {
  const printed: string[] = [];
  return {
    printed,
    result: runCommand(argv, {
      print: (text) => printed.push(text),
      env: unreachable,
      projectDir: '/nonexistent',
    }),
  };
};

describe('image-fanout command line', () => {
  it('prints its usage on --help', async () => {
    const { printed, result } = run(['--help']);
    expect(await result).toBe(0);
    expect(printed).toEqual([usage]);
    expect(usage).toMatch(/dlq redrive <consumer\|all>/);
  });

  it.each([
    [[], /Name a command/],
    [['restart'], /Unknown command "restart"/],
    [['dlq', 'purge', 'all'], /unknown subcommand "purge"/],
    [
      ['dlq', 'list', 'thumbnails'],
      /unknown consumer "thumbnails"; one of thumbnail, moderation, metadata, indexing or all/,
    ],
    [['dlq', 'show', 'all', 'id-1'], /unknown consumer "all"/],
    [['dlq', 'show', 'thumbnail'], /dlq show <consumer> <messageId>/],
    [['dlq', 'redrive', 'metadata', '--limit', '0'], /--limit must be a whole number above 0, not "0"/],
    [['reprocess', 'uploads/a.jpg', '--consumers', 'thumbnail,faces'], /unknown consumer "faces"/],
    [['image'], /image <key>/],
    [['status', '--colour'], /Unknown option '--colour'/],
  ])('refuses %j before reaching any endpoint', async (argv, message) => {
    const { result } = run(argv);
    await expect(result).rejects.toThrow(UsageError);
    await expect(result).rejects.toThrow(message);
  });

  it('names the missing cloud assembly and how to get one', async () => {
    const { result } = run(['status']);
    await expect(result).rejects.toThrow(OpsError);
    await expect(result).rejects.toThrow(/npm start.*--cdk-out/);
  });
});

describe('stack outputs to a target', () => {
  const clients = () => {
    const config = { region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };
    const created = {
      sqs: new SQSClient(config),
      s3: new S3Client(config),
      dynamo: new DynamoDBClient(config),
    };
    return {
      ...created,
      destroy: () => {
        for (const client of Object.values(created)) client.destroy();
      },
    };
  };
  const outputs: Record<string, string> = {
    [stackOutputs.uploadsBucketName]: 'uploads-bucket',
    [stackOutputs.uploadsPrefix]: 'uploads/',
    [stackOutputs.derivedBucketName]: 'derived-bucket',
    [stackOutputs.imagesTableName]: 'images',
    ...Object.fromEntries(
      consumerNames.flatMap((name) => [
        [consumerOutputs(name).queueUrl, `https://sqs/${name}`],
        [consumerOutputs(name).deadLetterQueueUrl, `https://sqs/${name}-dlq`],
      ]),
    ),
  };

  it('finds every consumer queue and DLQ by the names the stack gives its outputs', () => {
    const target = targetFromOutputs(outputs, clients(), {
      stackName: 'ImageFanout-dev',
      description: 'test',
    });
    expect(target.consumers.moderation).toEqual({
      queueUrl: 'https://sqs/moderation',
      deadLetterQueueUrl: 'https://sqs/moderation-dlq',
    });
    expect(target).toMatchObject({
      uploadsBucket: 'uploads-bucket',
      derivedBucket: 'derived-bucket',
      tableName: 'images',
    });
    expect(target.cloudwatch).toBeUndefined();
    target.close();
  });

  it('names the output a stack lacks', () => {
    const { [consumerOutputs('indexing').deadLetterQueueUrl]: _, ...partial } = outputs;
    expect(() => targetFromOutputs(partial, clients(), { stackName: 'Other', description: 'test' })).toThrow(
      /Stack Other has no output IndexingDeadLetterQueueUrl/,
    );
  });
});
