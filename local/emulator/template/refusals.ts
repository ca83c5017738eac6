/**
 * What AWS answers when it refuses to create a resource, in its own words: CloudFormation's
 * property validation, Lambda's CreateEventSourceMapping errors, SQS's CreateQueue errors. The local
 * runtime refuses the same templates with the same text, so a stack that runs locally deploys.
 */

/** One resource AWS would refuse, with the error `cdk deploy` would show and the page that sets the rule. */
export interface Refusal {
  readonly logicalId: string;
  readonly type: string;
  /** The error code the service answers with, e.g. InvalidParameterValueException. */
  readonly code: string;
  readonly message: string;
  /** Title of the AWS documentation page that states the rule. */
  readonly documentedIn: string;
}

export class DeployRefusedError extends Error {
  override readonly name = 'DeployRefusedError';
  constructor(readonly refusals: readonly Refusal[]) {
    super(
      [
        'AWS would refuse to deploy this stack, so it is not run locally:',
        ...refusals.map(
          ({ type, logicalId, code, message }) => `  ${type} ${logicalId}: ${code}: ${message}`,
        ),
      ].join('\n'),
    );
  }
}

/** The documentation pages the rules come from, by their titles. */
export const awsPages = {
  cfnMapping: 'AWS::Lambda::EventSourceMapping (CloudFormation template reference)',
  createMapping: 'CreateEventSourceMapping (AWS Lambda API reference)',
  sqsParameters: 'Lambda parameters for Amazon SQS event source mappings',
  sqsConfigure: 'Creating and configuring an Amazon SQS event source mapping',
  filtering: 'Control which events Lambda sends to your function',
  sqsFiltering: 'Using event filtering with an Amazon SQS event source',
  deadLetterQueues: 'Using dead-letter queues in Amazon SQS',
} as const;

export const refusalCodes = {
  /** CloudFormation checks properties against the resource type's schema before calling Lambda. */
  propertyValidation: 'ValidationError',
  lambdaParameter: 'InvalidParameterValueException',
  lambdaConflict: 'ResourceConflictException',
  sqsParameter: 'InvalidParameterValue',
} as const;

/** The texts AWS answers with. Where AWS publishes no text for a rule, docs/event-source.md says so. */
export const refusalTexts = {
  schemaBound: (logicalId: string, pointer: string, keyword: 'minimum' | 'maximum') =>
    `Properties validation failed for resource ${logicalId} with message: ${pointer}: failed validation constraint for keyword [${keyword}]`,
  windowRequired:
    'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
  fifoWindow: 'Batching window is not supported for FIFO queues',
  visibilityTimeout: (visibilitySeconds: number, timeoutSeconds: number) =>
    `Queue visibility timeout: ${visibilitySeconds} seconds is less than Function timeout: ${timeoutSeconds} seconds`,
  invalidPattern: 'Invalid filter pattern definition.',
  tooManyFilters: (count: number, quota: number) =>
    `The number of filters (${count}) exceeds the quota of ${quota} filters per event source mapping`,
  duplicateMapping: (queueArn: string, functionName: string, existing: string) =>
    `An event source mapping with SQS arn (" ${queueArn} ") and function (" ${functionName} ") already exists. Please update or delete the existing mapping with UUID ${existing}`,
  deadLetterQueueType: (redrivePolicy: string) =>
    `Value ${redrivePolicy} for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source.`,
} as const;
