import { stackOutputs } from '../../lambdas/shared/constants';
import type { LocalPipeline } from '../emulator';

/** The user `npm start` issues a development token for. */
export const developmentUser = 'local-developer';

/** The lines `npm start` prints for the stack's HTTP APIs: where they answer, and a token they accept. */
export const apiLines = async (pipeline: LocalPipeline): Promise<string> => {
  const [first, ...others] = pipeline.httpApis;
  if (first === undefined) return '';
  const token = await pipeline.issueToken({ sub: developmentUser }).catch(() => undefined);
  return [
    `  api          ${first.url}${others.map((api) => `  ${api.url}`).join('')}`,
    ...(token === undefined
      ? []
      : [
          `  token        ${token}`,
          `               (sub ${developmentUser}, 12 h; export TOKEN=... and send "Authorization: Bearer $TOKEN")`,
        ]),
    '',
  ].join('\n');
};

/** This app's lines where its outputs are there; another app gets what its template has. */
const stackLines = ({ topology }: LocalPipeline) => {
  const { outputs } = topology;
  const bucket = outputs[stackOutputs.uploadsBucketName] ?? topology.buckets[0]?.name ?? '(none)';
  const prefix = outputs[stackOutputs.uploadsPrefix] ?? '';
  return outputs[stackOutputs.uploadsBucketName] !== undefined
    ? {
        lines: `  upload to    s3://${bucket}/${prefix}<owner>/<file>
  derived      s3://${outputs[stackOutputs.derivedBucketName] ?? '?'}/thumbnails/   table ${outputs[stackOutputs.imagesTableName] ?? '?'}`,
        tryIt: `aws s3 cp photo.jpg "s3://${bucket}/${prefix}me/photo.jpg"`,
      }
    : {
        lines: `  resources    ${topology.buckets.length} buckets, ${topology.topics.length} topics, ${topology.queues.length} queues, ${topology.tables.length} tables
  functions    ${topology.functions.map((fn) => fn.name).join(', ') || 'none'}`,
        tryIt: 'aws sqs list-queues',
      };
};

/** What `npm start` prints once the pipeline runs: where it answers, what to upload to, how to try it. */
export const startupBanner = async (
  pipeline: LocalPipeline,
  { readyInMs, logsDir, faults }: { readyInMs: number; logsDir: string; faults?: object },
): Promise<string> => {
  const { topology } = pipeline;
  const stack = stackLines(pipeline);
  const credentials = `AWS_ENDPOINT_URL=${pipeline.endpoint} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=${pipeline.region}`;
  return `
image-fanout is running locally (${topology.stackName}), ready in ${(readyInMs / 1000).toFixed(1)} s
  endpoint     ${pipeline.endpoint}   (S3, SNS, SQS${pipeline.backend ? ' and DynamoDB on one port' : ''}), account ${topology.naming.accountId}
${stack.lines}
${await apiLines(pipeline)}${faults ? `  faults       ${JSON.stringify(faults)}\n` : ''}  logs         ${logsDir}/<function>.log
  try it       ${credentials} \\
                 ${stack.tryIt}
`;
};
