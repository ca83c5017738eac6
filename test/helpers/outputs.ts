import { stackOutputs } from '../../lambdas/shared/constants';

/** What the tests call the pipeline's resources, read from its stack outputs by the contract's names. */
export interface PipelineNames {
  readonly uploads: string;
  readonly prefix: string;
  readonly derived: string;
  readonly table: string;
  readonly topicArn: string;
}

export const pipelineNames = (outputs: Readonly<Record<string, string>>): PipelineNames => {
  const read = (name: string) => {
    const value = outputs[name];
    if (value === undefined) throw new Error(`The stack has no output ${name}`);
    return value;
  };
  return {
    uploads: read(stackOutputs.uploadsBucketName),
    prefix: read(stackOutputs.uploadsPrefix),
    derived: read(stackOutputs.derivedBucketName),
    table: read(stackOutputs.imagesTableName),
    topicArn: read(stackOutputs.imageEventsTopicArn),
  };
};
