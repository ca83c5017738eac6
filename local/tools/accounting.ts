import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Message } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import pLimit from 'p-limit';
import { indexEntryPrefix } from '../../lambdas/indexing/entries';
import { consumerNames, stackOutputs } from '../../lambdas/shared/constants';
import { imageIdOf, parseMessage } from '../../lambdas/shared/events';
import { ImageTable, stageSortKey } from '../../lambdas/shared/store';
import { deadLetterTargetOf, peekQueue } from '../emulator';
import type { PipelineView } from './attach';
import { consumerLabel } from './status-line';

/** One upload and what should become of it. */
export interface ExpectedUpload {
  readonly key: string;
  readonly expect: 'processed' | 'rejected';
  /** For a rejection: the reason code every consumer should record. */
  readonly reasonCode?: string;
}

export type Verdict =
  | 'processed exactly once'
  | 'rejected with its reason'
  | 'left in a DLQ (listed)'
  | 'still in progress'
  | 'wrong outcome'
  | 'unaccounted';

export interface ImageAccount {
  readonly key: string;
  readonly verdict: Verdict;
  readonly detail?: string;
}

export interface Accounting {
  readonly images: readonly ImageAccount[];
  readonly counts: Readonly<Record<Verdict, number>>;
  /** Messages in the DLQs, by consumer, with the upload key each concerns when readable. */
  readonly deadLetters: Readonly<Record<string, readonly string[]>>;
}

const verdicts: readonly Verdict[] = [
  'processed exactly once',
  'rejected with its reason',
  'left in a DLQ (listed)',
  'still in progress',
  'wrong outcome',
  'unaccounted',
];

/** The upload keys a DLQ message concerns (none for a message that is not an S3 event). */
const keysOf = (message: Message): string[] => {
  try {
    const parsed = parseMessage({
      messageId: message.MessageId ?? '',
      body: message.Body ?? '',
    } as SQSRecord);
    return parsed.type === 'test-event' ? [] : parsed.events.map((event) => event.key);
  } catch {
    return [];
  }
};

/** Each consumer's DLQ: the redrive target of the queue its event source mapping reads. */
const deadLetterQueues = ({ topology, queueUrls }: PipelineView) =>
  topology.eventSourceMappings.flatMap((mapping) => {
    const source = topology.queues.find((queue) => queue.arn === mapping.eventSourceArn);
    const dlqUrl = queueUrls.get((source && deadLetterTargetOf(source)) ?? '');
    return dlqUrl === undefined ? [] : [{ consumer: consumerLabel(mapping.functionName), dlqUrl }];
  });

/** The upload keys of every message in each consumer's DLQ; the messages stay where they are. */
export const deadLetterKeys = async (pipeline: PipelineView): Promise<Record<string, string[]>> => {
  const listed = await Promise.all(
    deadLetterQueues(pipeline).map(async ({ consumer, dlqUrl }) => {
      const all = { limit: Number.POSITIVE_INFINITY };
      const keys = await peekQueue(pipeline.clients.sqs, dlqUrl, all, async (messages) =>
        messages.flatMap(keysOf),
      );
      return [consumer, keys] as const;
    }),
  );
  return Object.fromEntries(listed);
};

export const listKeys = async (s3: S3Client, bucket: string, prefix: string): Promise<string[]> => {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
    token = page.NextContinuationToken;
  } while (token !== undefined);
  return keys.sort();
};

/**
 * Accounts for every upload: each good one has all four stages processed and exactly the derived
 * items one run makes (its thumbnails, one owner entry and four hash entries in the index, its
 * metadata); each hostile one is rejected by every consumer with the expected reason; anything
 * else must be in a DLQ, where it is listed. Whatever is left is unaccounted.
 */
export const accountFor = async (
  pipeline: PipelineView,
  uploads: readonly ExpectedUpload[],
): Promise<Accounting> => {
  const { outputs } = pipeline.topology;
  const bucket = outputs[stackOutputs.uploadsBucketName] as string;
  const derived = outputs[stackOutputs.derivedBucketName] as string;
  const table = new ImageTable(
    DynamoDBDocumentClient.from(pipeline.clients.dynamo),
    outputs[stackOutputs.imagesTableName] as string,
  );
  const deadLetters = await deadLetterKeys(pipeline);
  const inDlq = new Set(Object.values(deadLetters).flat());
  const limit = pLimit(16);

  const images = await Promise.all(
    uploads.map((upload) =>
      limit(async (): Promise<ImageAccount> => {
        const imageId = imageIdOf(bucket, upload.key);
        const items = await table.itemsOfImage(imageId);
        const stages = consumerNames.map((consumer) =>
          items.find((item) => item.sk === stageSortKey(consumer)),
        );
        const statuses = stages.map((stage) => stage?.status);
        const account = (verdict: Verdict, detail?: string): ImageAccount => ({
          key: upload.key,
          verdict,
          ...(detail ? { detail } : {}),
        });
        if (upload.expect === 'rejected') {
          if (
            stages.every((stage) => stage?.status === 'rejected' && stage.reasonCode === upload.reasonCode)
          ) {
            return account('rejected with its reason');
          }
        } else if (statuses.every((status) => status === 'processed')) {
          const thumbnails =
            (stages[0]?.data as { thumbnails?: { key: string }[] } | undefined)?.thumbnails ?? [];
          const expected = thumbnails.map((t) => t.key).sort();
          const stored = await listKeys(pipeline.clients.s3, derived, `thumbnails/${imageId}/`);
          const owners = items.filter((item) => item.sk === `${indexEntryPrefix}OWNER`).length;
          const hashes = items.filter((item) => item.sk.startsWith(`${indexEntryPrefix}PHASH#`)).length;
          const problems = [
            ...(expected.length === 0 || stored.join() !== expected.join()
              ? [`thumbnails ${stored.length} stored, ${expected.length} recorded`]
              : []),
            ...(owners === 1 ? [] : [`${owners} owner index entries`]),
            ...(hashes === 4 ? [] : [`${hashes} hash index entries`]),
            ...((stages[2]?.data as { width?: number } | undefined)?.width ? [] : ['no metadata']),
          ];
          return problems.length === 0
            ? account('processed exactly once')
            : account('wrong outcome', problems.join('; '));
        }
        if (inDlq.has(upload.key)) return account('left in a DLQ (listed)');
        if (statuses.some((status) => status !== undefined && status !== upload.expect)) {
          return account(
            'wrong outcome',
            consumerNames.map((consumer, i) => `${consumer}=${statuses[i] ?? 'none'}`).join(' '),
          );
        }
        return account(statuses.some((status) => status === undefined) ? 'still in progress' : 'unaccounted');
      }),
    ),
  );
  return { images, counts: tally(images), deadLetters };
};

export const tally = (images: readonly ImageAccount[]): Record<Verdict, number> => {
  const counts = Object.fromEntries(verdicts.map((verdict) => [verdict, 0])) as Record<Verdict, number>;
  for (const image of images) counts[image.verdict]++;
  return counts;
};

/** Outcomes that later deliveries cannot change (duplicates are skipped, stale events ignored). */
export const isFinal = (verdict: Verdict) =>
  verdict === 'processed exactly once' || verdict === 'rejected with its reason';

/** The accounting table, as the soak prints it. */
export const formatAccounting = (accounting: Accounting): string => {
  const rows = verdicts.map(
    (verdict) => `  ${verdict.padEnd(26)}${String(accounting.counts[verdict]).padStart(7)}`,
  );
  const total = accounting.images.length;
  const dead = Object.entries(accounting.deadLetters)
    .map(([consumer, keys]) => `${consumer} ${keys.length}`)
    .join(', ');
  return [
    `  ${'outcome'.padEnd(26)}${'images'.padStart(7)}`,
    ...rows,
    `  ${'total'.padEnd(26)}${String(total).padStart(7)}`,
    `  DLQ messages: ${dead}`,
  ].join('\n');
};
