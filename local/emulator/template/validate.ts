/**
 * Deploy-time validation: the SQS event source mappings and queues AWS refuses to create, refused
 * here with AWS's own error text when the template is read, so the local run never starts on a
 * stack `cdk deploy` would roll back. Each resource gets the first error AWS would answer with.
 */
import { sqsPatternProblem } from '../event-source';
import { deadLetterTargetOf } from './messaging';
import { awsPages, DeployRefusedError, type Refusal, refusalCodes, refusalTexts } from './refusals';
import type { EventSourceMappingSpec, FunctionSpec, QueueSpec } from './types';

const mappingType = 'AWS::Lambda::EventSourceMapping';
const queueType = 'AWS::SQS::Queue';

/** Limits from the pages named beside them. */
const limits = {
  /** AWS::Lambda::EventSourceMapping: BatchSize 1-10000, MaximumBatchingWindowInSeconds 0-300, MaximumConcurrency 2-1000. */
  batchSize: { minimum: 1, maximum: 10_000 },
  batchingWindowSeconds: { minimum: 0, maximum: 300 },
  maximumConcurrency: { minimum: 2, maximum: 1_000 },
  /** Lambda parameters for Amazon SQS event source mappings: batches over 10 need a batching window. */
  batchSizeWithoutWindow: 10,
  /** Control which events Lambda sends to your function: five filters per mapping by default. */
  filtersPerMapping: 5,
  /** SQS's default when a queue sets no VisibilityTimeout. */
  defaultVisibilityTimeoutSeconds: 30,
} as const;

export interface DeployableResources {
  readonly mappings: readonly EventSourceMappingSpec[];
  readonly functions: readonly FunctionSpec[];
  readonly queues: readonly QueueSpec[];
}

const isFifo = (queue: QueueSpec | undefined, arn: string) =>
  queue === undefined ? arn.endsWith('.fifo') : queue.attributes.FifoQueue === 'true';

type MappingCheck = (mapping: EventSourceMappingSpec) => Omit<Refusal, 'logicalId' | 'type'> | undefined;

/** CloudFormation's schema check, which runs before Lambda sees the request. */
const schemaCheck: MappingCheck = (mapping) => {
  const bounds: [string, number | undefined, { minimum: number; maximum: number }][] = [
    ['#/BatchSize', mapping.batchSize, limits.batchSize],
    ['#/MaximumBatchingWindowInSeconds', mapping.maximumBatchingWindowSeconds, limits.batchingWindowSeconds],
    ['#/ScalingConfig/MaximumConcurrency', mapping.maximumConcurrency, limits.maximumConcurrency],
  ];
  for (const [pointer, value, { minimum, maximum }] of bounds) {
    if (value === undefined || (value >= minimum && value <= maximum)) continue;
    const keyword = value < minimum ? 'minimum' : 'maximum';
    return {
      code: refusalCodes.propertyValidation,
      message: refusalTexts.schemaBound(mapping.logicalId, pointer, keyword),
      documentedIn: awsPages.cfnMapping,
    };
  }
  return undefined;
};

/** A FIFO batch over 10 is refused by one of these two: it needs a window, and FIFO takes none. */
const batchingCheck =
  (fifo: boolean): MappingCheck =>
  ({ batchSize, maximumBatchingWindowSeconds: window }) => {
    const lambdaRefusal = (message: string) => ({
      code: refusalCodes.lambdaParameter,
      message,
      documentedIn: awsPages.sqsParameters,
    });
    if (batchSize > limits.batchSizeWithoutWindow && window === 0)
      return lambdaRefusal(refusalTexts.windowRequired);
    if (fifo && window > 0) return lambdaRefusal(refusalTexts.fifoWindow);
    return undefined;
  };

const filterCheck: MappingCheck = ({ filterPatterns }) => {
  if (filterPatterns.length > limits.filtersPerMapping) {
    return {
      code: refusalCodes.lambdaParameter,
      message: refusalTexts.tooManyFilters(filterPatterns.length, limits.filtersPerMapping),
      documentedIn: awsPages.filtering,
    };
  }
  const invalid = filterPatterns.some((pattern) => sqsPatternProblem(pattern) !== undefined);
  return invalid
    ? {
        code: refusalCodes.lambdaParameter,
        message: refusalTexts.invalidPattern,
        documentedIn: awsPages.sqsFiltering,
      }
    : undefined;
};

const visibilityCheck =
  (queue: QueueSpec | undefined, fn: FunctionSpec | undefined): MappingCheck =>
  () => {
    if (queue === undefined || fn === undefined) return undefined;
    const visibility = Number(queue.attributes.VisibilityTimeout ?? limits.defaultVisibilityTimeoutSeconds);
    if (fn.timeoutSeconds <= visibility) return undefined;
    return {
      code: refusalCodes.lambdaParameter,
      message: refusalTexts.visibilityTimeout(visibility, fn.timeoutSeconds),
      documentedIn: awsPages.sqsConfigure,
    };
  };

/** The first refusal of each mapping, in the order AWS checks (schema, batching, filters, queue). */
const mappingRefusals = ({ mappings, functions, queues }: DeployableResources): Refusal[] => {
  const queuesByArn = new Map(queues.map((queue) => [queue.arn, queue]));
  const functionsByName = new Map(functions.map((fn) => [fn.name, fn]));
  return mappings.flatMap((mapping) => {
    const queue = queuesByArn.get(mapping.eventSourceArn);
    const checks = [
      schemaCheck,
      batchingCheck(isFifo(queue, mapping.eventSourceArn)),
      filterCheck,
      visibilityCheck(queue, functionsByName.get(mapping.functionName)),
    ];
    for (const check of checks) {
      const refused = check(mapping);
      if (refused !== undefined) return [{ logicalId: mapping.logicalId, type: mappingType, ...refused }];
    }
    return [];
  });
};

/** The second mapping of a queue to a function is a conflict; the first one stands. */
const duplicateRefusals = (mappings: readonly EventSourceMappingSpec[]): Refusal[] => {
  const first = new Map<string, EventSourceMappingSpec>();
  return mappings.flatMap((mapping) => {
    const key = `${mapping.eventSourceArn} ${mapping.functionName}`;
    const existing = first.get(key);
    if (existing === undefined) {
      first.set(key, mapping);
      return [];
    }
    return [
      {
        logicalId: mapping.logicalId,
        type: mappingType,
        code: refusalCodes.lambdaConflict,
        message: refusalTexts.duplicateMapping(
          mapping.eventSourceArn,
          mapping.functionName,
          existing.logicalId,
        ),
        documentedIn: awsPages.createMapping,
      },
    ];
  });
};

/** SQS refuses a redrive policy whose dead-letter queue is not of the source's type (FIFO or standard). */
const queueRefusals = (queues: readonly QueueSpec[]): Refusal[] => {
  const byArn = new Map(queues.map((queue) => [queue.arn, queue]));
  return queues.flatMap((queue) => {
    const dlqArn = deadLetterTargetOf(queue);
    if (dlqArn === undefined) return [];
    if (isFifo(queue, queue.arn) === isFifo(byArn.get(dlqArn), dlqArn)) return [];
    return [
      {
        logicalId: queue.logicalId,
        type: queueType,
        code: refusalCodes.sqsParameter,
        message: refusalTexts.deadLetterQueueType(queue.attributes.RedrivePolicy ?? ''),
        documentedIn: awsPages.deadLetterQueues,
      },
    ];
  });
};

export const deployRefusals = (resources: DeployableResources): Refusal[] => {
  const refusedMappings = mappingRefusals(resources);
  const refused = new Set(refusedMappings.map((refusal) => refusal.logicalId));
  return [
    ...queueRefusals(resources.queues),
    ...refusedMappings,
    ...duplicateRefusals(resources.mappings).filter((refusal) => !refused.has(refusal.logicalId)),
  ];
};

/** Throws DeployRefusedError, naming every resource AWS would refuse, when there is one. */
export const assertDeployable = (resources: DeployableResources): void => {
  const refusals = deployRefusals(resources);
  if (refusals.length > 0) throw new DeployRefusedError(refusals);
};
