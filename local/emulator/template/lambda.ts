/** Lambda functions and their SQS event source mappings. */
import { resolve } from 'node:path';
import {
  asBoolean,
  asList,
  asNumber,
  asOptionalNumber,
  asRecord,
  asString,
  asStringList,
  propertyPath,
} from './cfn';
import type { ReadContext, TemplateResource } from './context';
import type { EventSourceMappingSpec, FunctionSpec } from './types';

/** Lambda's defaults when the template leaves a setting out. */
const defaults = { memorySize: 128, timeoutSeconds: 3, architectures: ['x86_64'], logFormat: 'Text' };

/** Where a function's code is: a folder of the cloud assembly, or why it cannot run here. */
type CodeLocation =
  | { readonly kind: 'folder'; readonly dir: string }
  | { readonly kind: 'elsewhere'; readonly why: string };

/**
 * The bundled code in the cloud assembly. The CDK CLI writes `aws:asset:path` metadata (relative to
 * the assembly when it stages assets, absolute when staging is off; `resolve` handles both); an
 * assembly synthesized without the CLI has none, and the asset manifest maps `Code.S3Key` to the
 * asset's folder instead.
 */
const codeLocation = (context: ReadContext, { logicalId, resource }: TemplateResource): CodeLocation => {
  const code = asRecord(context.resolver.property(logicalId, 'Code'), propertyPath(logicalId, 'Code'));
  if (code.ZipFile !== undefined) {
    return { kind: 'elsewhere', why: 'its code is inline in the template (Code.ZipFile), not a bundle' };
  }
  if (code.ImageUri !== undefined) {
    return { kind: 'elsewhere', why: `it is a container image function (${String(code.ImageUri)})` };
  }
  const path = resource.Metadata?.['aws:asset:path'];
  if (typeof path === 'string') return { kind: 'folder', dir: resolve(context.assemblyDir, path) };
  const key = typeof code.S3Key === 'string' ? code.S3Key : undefined;
  const folder = key === undefined ? undefined : context.assetFolders.get(key);
  if (folder !== undefined) return { kind: 'folder', dir: folder };
  const bucket = typeof code.S3Bucket === 'string' ? code.S3Bucket : '?';
  return {
    kind: 'elsewhere',
    why: `its code is s3://${bucket}/${key ?? '?'}, which is not an asset of this cloud assembly`,
  };
};

export const readFunction = (context: ReadContext, entry: TemplateResource): FunctionSpec => {
  const { logicalId } = entry;
  const { resolver } = context;
  const local = resolver.local(logicalId);
  const read = (property: string) => resolver.property(logicalId, property);
  const at = (property: string) => propertyPath(logicalId, property);
  const variables = asRecord(asRecord(read('Environment'), at('Environment')).Variables, at('Environment'));
  const environment = Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [
      name,
      asString(value, `${at('Environment')}.Variables.${name}`),
    ]),
  );
  const logging = asRecord(read('LoggingConfig'), at('LoggingConfig'));
  const deadLetter = asRecord(read('DeadLetterConfig'), at('DeadLetterConfig')).TargetArn;
  const architectures = read('Architectures');
  const code = codeLocation(context, entry);
  const reserved = asOptionalNumber(read('ReservedConcurrentExecutions'), at('ReservedConcurrentExecutions'));
  return {
    logicalId,
    name: asString(local.name, `Resources.${logicalId}`),
    arn: asString(local.attributes.Arn, `Resources.${logicalId}`),
    ...(code.kind === 'folder' ? { assetDir: code.dir } : { codeElsewhere: code.why }),
    // Container image functions have neither handler nor runtime.
    handler: read('Handler') === undefined ? '' : asString(read('Handler'), at('Handler')),
    runtime: read('Runtime') === undefined ? '' : asString(read('Runtime'), at('Runtime')),
    memorySize: asNumber(read('MemorySize'), at('MemorySize'), defaults.memorySize),
    timeoutSeconds: asNumber(read('Timeout'), at('Timeout'), defaults.timeoutSeconds),
    architectures:
      architectures === undefined ? defaults.architectures : asStringList(architectures, at('Architectures')),
    environment,
    logFormat:
      logging.LogFormat === undefined
        ? defaults.logFormat
        : asString(logging.LogFormat, `${at('LoggingConfig')}.LogFormat`),
    ...(deadLetter === undefined
      ? {}
      : { deadLetterTargetArn: asString(deadLetter, `${at('DeadLetterConfig')}.TargetArn`) }),
    ...(reserved === undefined ? {} : { reservedConcurrentExecutions: reserved }),
  };
};

/** Why a function cannot run in the local runtime, or undefined when it can. */
export const whyNotRunnable = (spec: FunctionSpec): string | undefined => {
  if (spec.assetDir === undefined) return spec.codeElsewhere ?? 'its code is not in the cloud assembly';
  if (!spec.runtime.startsWith('nodejs')) return `its runtime ${spec.runtime || '(none)'} is not Node.js`;
  return undefined;
};

/** "arn:aws:lambda:us-east-1:123:function:name:alias" or "123:function:name" -> "name". */
export const functionNameOf = (value: string): string => {
  const match = /(?:^|:)function:([^:]+)/.exec(value);
  return match?.[1] ?? value;
};

const isSqsArn = (arn: string): boolean => /^arn:[^:]+:sqs:/.test(arn);

export type MappingResult =
  | { readonly kind: 'sqs'; readonly mapping: EventSourceMappingSpec }
  | { readonly kind: 'unsupported'; readonly reason: string };

/** A pattern that is not JSON stays a string: deploy-time validation refuses it as AWS does. */
const filterPatterns = (value: unknown, at: string): unknown[] =>
  asList(asRecord(value, at).Filters, `${at}.Filters`).map((filter, index) => {
    const pattern = asRecord(filter, `${at}.Filters.${index}`).Pattern;
    if (typeof pattern !== 'string') return pattern;
    try {
      return JSON.parse(pattern);
    } catch {
      return pattern;
    }
  });

export const readEventSourceMapping = (
  context: ReadContext,
  { logicalId }: TemplateResource,
): MappingResult => {
  const { resolver } = context;
  const read = (property: string) => resolver.property(logicalId, property);
  const at = (property: string) => propertyPath(logicalId, property);
  const source = read('EventSourceArn');
  if (source === undefined)
    return { kind: 'unsupported', reason: 'it has no EventSourceArn (self-managed Kafka?)' };
  const eventSourceArn = asString(source, at('EventSourceArn'));
  if (!isSqsArn(eventSourceArn)) {
    return { kind: 'unsupported', reason: `its source ${eventSourceArn} is not an SQS queue` };
  }
  const scaling = asRecord(read('ScalingConfig'), at('ScalingConfig'));
  const maximumConcurrency = asOptionalNumber(
    scaling.MaximumConcurrency,
    `${at('ScalingConfig')}.MaximumConcurrency`,
  );
  const responseTypes = asStringList(read('FunctionResponseTypes'), at('FunctionResponseTypes'));
  return {
    kind: 'sqs',
    mapping: {
      logicalId,
      functionName: functionNameOf(asString(read('FunctionName'), at('FunctionName'))),
      eventSourceArn,
      batchSize: asNumber(read('BatchSize'), at('BatchSize'), 10),
      maximumBatchingWindowSeconds: asNumber(
        read('MaximumBatchingWindowInSeconds'),
        at('MaximumBatchingWindowInSeconds'),
        0,
      ),
      reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
      ...(maximumConcurrency === undefined ? {} : { maximumConcurrency }),
      filterPatterns: filterPatterns(read('FilterCriteria'), at('FilterCriteria')),
      enabled: asBoolean(read('Enabled'), at('Enabled'), true),
    },
  };
};
