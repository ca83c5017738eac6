/**
 * Deploy-time validation: every stack AWS refuses to create is refused when the local runtime reads
 * its template, with the error `cdk deploy` would show, naming the resource; the stacks AWS takes
 * (the image pipeline among them) are read as before.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DeployRefusedError, type Refusal, readTopology, startLocalPipeline } from '../../local/emulator';
import {
  acceptedStack,
  type BuiltStack,
  type RefusalCase,
  refusalStacks,
  synthStack,
} from '../fixtures/refusal-stacks/app';

const naming = {
  region: 'us-east-1',
  accountId: '000000000000',
  partition: 'aws',
  endpoint: 'http://127.0.0.1:1',
};
const built: BuiltStack[] = [];

afterAll(() => {
  for (const { assemblyDir } of built) rmSync(assemblyDir, { recursive: true, force: true });
});

const synth = (build: Parameters<typeof synthStack>[0]) => {
  const stack = synthStack(build);
  built.push(stack);
  return stack;
};

/** The refusals reading the stack's template throws with. */
const refusalsOf = ({ assemblyDir }: BuiltStack): readonly Refusal[] => {
  try {
    readTopology({ cloudAssemblyDir: assemblyDir, naming });
  } catch (error) {
    if (error instanceof DeployRefusedError) return error.refusals;
    throw error;
  }
  return [];
};

const mapping = 'AWS::Lambda::EventSourceMapping';
const schema = (pointer: string, keyword: string) => (id: string) =>
  `Properties validation failed for resource ${id} with message: ${pointer}: failed validation constraint for keyword [${keyword}]`;
const lambdaError = (message: string) => () => message;

/** What AWS answers for each stack: resource type, error code, text (from the refused resource's id). */
const expected: Record<RefusalCase, [string, string, (id: string) => string, string]> = {
  maximumConcurrencyBelowTwo: [
    mapping,
    'ValidationError',
    schema('#/ScalingConfig/MaximumConcurrency', 'minimum'),
    'AWS::Lambda::EventSourceMapping ScalingConfig',
  ],
  maximumConcurrencyOverAThousand: [
    mapping,
    'ValidationError',
    schema('#/ScalingConfig/MaximumConcurrency', 'maximum'),
    'AWS::Lambda::EventSourceMapping ScalingConfig',
  ],
  batchOverTenThousand: [
    mapping,
    'ValidationError',
    schema('#/BatchSize', 'maximum'),
    'AWS::Lambda::EventSourceMapping',
  ],
  batchOverTenWithoutWindow: [
    mapping,
    'InvalidParameterValueException',
    lambdaError(
      'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
    ),
    'Lambda parameters for Amazon SQS event source mappings',
  ],
  fifoBatchOverTen: [
    mapping,
    'InvalidParameterValueException',
    lambdaError(
      'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
    ),
    'Lambda parameters for Amazon SQS event source mappings',
  ],
  fifoWindow: [
    mapping,
    'InvalidParameterValueException',
    lambdaError('Batching window is not supported for FIFO queues'),
    'Lambda parameters for Amazon SQS event source mappings',
  ],
  filterOnEventSourceArn: [
    mapping,
    'InvalidParameterValueException',
    lambdaError('Invalid filter pattern definition.'),
    'Using event filtering with an Amazon SQS event source',
  ],
  filterOnAwsRegion: [
    mapping,
    'InvalidParameterValueException',
    lambdaError('Invalid filter pattern definition.'),
    'Using event filtering with an Amazon SQS event source',
  ],
  filterNotAList: [
    mapping,
    'InvalidParameterValueException',
    lambdaError('Invalid filter pattern definition.'),
    'Amazon EventBridge event patterns',
  ],
  filterNotJson: [
    mapping,
    'InvalidParameterValueException',
    lambdaError('Invalid filter pattern definition.'),
    'Control which events Lambda sends to your function',
  ],
  filterUnknownOperator: [
    mapping,
    'InvalidParameterValueException',
    lambdaError('Invalid filter pattern definition.'),
    'Amazon EventBridge event patterns',
  ],
  sixFilters: [
    mapping,
    'InvalidParameterValueException',
    lambdaError('The number of filters (6) exceeds the quota of 5 filters per event source mapping'),
    'Control which events Lambda sends to your function',
  ],
  functionTimeoutOverVisibility: [
    mapping,
    'InvalidParameterValueException',
    lambdaError('Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds'),
    'Creating and configuring an Amazon SQS event source mapping',
  ],
  secondMappingOfAQueue: [mapping, 'ResourceConflictException', () => '', 'CreateEventSourceMapping'],
  fifoQueueWithStandardDeadLetterQueue: [
    'AWS::SQS::Queue',
    'InvalidParameterValue',
    () => '',
    'Using dead-letter queues in Amazon SQS',
  ],
};

describe('deploy-time validation of SQS event source mappings', () => {
  const cases = (Object.keys(expected) as RefusalCase[]).map((name) => [name, expected[name][3]] as const);
  it.each(cases)('refuses %s as AWS does (%s)', (name) => {
    const [type, code, message] = expected[name];
    const stack = synth(refusalStacks[name]);
    const refusals = refusalsOf(stack);
    expect(refusals.map(({ type, logicalId, code }) => ({ type, logicalId, code }))).toEqual([
      { type, logicalId: stack.refused, code },
    ]);
    const text = message(stack.refused);
    if (text !== '') expect(refusals[0]?.message).toBe(text);
  });

  it('names the first mapping of a queue in the conflict, as AWS names the existing mapping (CreateEventSourceMapping)', () => {
    const stack = synth(refusalStacks.secondMappingOfAQueue);
    const [refusal] = refusalsOf(stack);
    expect(refusal?.message).toMatch(
      /^An event source mapping with SQS arn \(" arn:aws:sqs:us-east-1:000000000000:Refusal-Q[0-9A-F]{8} "\) and function \(" Refusal-Fn[0-9A-F]{8} "\) already exists\. Please update or delete the existing mapping with UUID First[0-9A-F]{8}$/,
    );
  });

  it('quotes the redrive policy SQS refuses (Using dead-letter queues in Amazon SQS)', () => {
    const [refusal] = refusalsOf(synth(refusalStacks.fifoQueueWithStandardDeadLetterQueue));
    expect(refusal?.message).toMatch(
      /^Value \{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:Refusal-Dlq[0-9A-F]{8}","maxReceiveCount":5\} for parameter RedrivePolicy is invalid\. Reason: Dead-letter queue must be same type of queue as the source\.$/,
    );
  });

  it('reads the stacks AWS deploys: a mapping with window, filters and maximum concurrency, and the image pipeline', () => {
    expect(refusalsOf(synth(acceptedStack))).toEqual([]);
    const topology = readTopology({ cloudAssemblyDir: inject('pipelineAssembly'), naming });
    expect(topology.eventSourceMappings).toHaveLength(4);
  });

  it('keeps the local run from starting, naming the resource and the error', async () => {
    const stack = synth(refusalStacks.functionTimeoutOverVisibility);
    await expect(startLocalPipeline({ cloudAssemblyDir: stack.assemblyDir, port: 0 })).rejects.toThrow(
      `AWS::Lambda::EventSourceMapping ${stack.refused}: InvalidParameterValueException: Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds`,
    );
  });
});
