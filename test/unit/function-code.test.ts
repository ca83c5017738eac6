/**
 * Where a function's code is found in a cloud assembly, and what a user is told when it cannot run
 * locally ("AWS::Lambda::Function Code", CloudFormation User Guide: S3Bucket/S3Key, ZipFile or
 * ImageUri).
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub placeholders look like ${Name}
import { describe, expect, it } from 'vitest';
import type { CfnResource } from '../../local/emulator';
import { buildTopology } from '../../local/emulator';

const naming = { region: 'us-east-1', accountId: '000000000000', partition: 'aws', endpoint: 'http://x' };

const functionWith = (code: object, metadata?: Record<string, unknown>): CfnResource => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Handler: 'index.handler', Runtime: 'nodejs22.x', Code: code },
  ...(metadata ? { Metadata: metadata } : {}),
});

/** Each function behind a queue, so that its being unable to run is worth a warning. */
const topologyOf = (functions: Record<string, CfnResource>, assetFolders = new Map<string, string>()) => {
  const resources: Record<string, CfnResource> = { Queue: { Type: 'AWS::SQS::Queue' } };
  for (const [id, resource] of Object.entries(functions)) {
    resources[id] = resource;
    resources[`${id}Mapping`] = {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: { FunctionName: { Ref: id }, EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
    };
  }
  return buildTopology(
    { Resources: resources },
    { naming, stackName: 'App', assemblyDir: '/assembly', assetFolders },
  );
};

describe('function code in a cloud assembly', () => {
  it('is found by its S3 key in the asset manifest when there is no aws:asset:path metadata', () => {
    const key = 'abc123.zip';
    const { functions, warnings } = topologyOf(
      { Fn: functionWith({ S3Bucket: { 'Fn::Sub': 'cdk-assets-${AWS::AccountId}' }, S3Key: key }) },
      new Map([[key, '/assembly/asset.abc123']]),
    );
    expect(functions[0]?.assetDir).toBe('/assembly/asset.abc123');
    expect(warnings).toEqual([]);
  });

  it('prefers the CDK CLI metadata when both are there', () => {
    const { functions } = topologyOf(
      { Fn: functionWith({ S3Bucket: 'b', S3Key: 'abc.zip' }, { 'aws:asset:path': 'asset.cli' }) },
      new Map([['abc.zip', '/elsewhere']]),
    );
    expect(functions[0]?.assetDir).toBe('/assembly/asset.cli');
  });

  it.each([
    [
      'inline code',
      { ZipFile: 'exports.handler = async () => 1;' },
      /its code is inline in the template \(Code\.ZipFile\)/,
    ],
    [
      'a container image',
      { ImageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest' },
      /it is a container image function \(123456789012\.dkr\.ecr/,
    ],
    [
      'an S3 object that is no asset of the assembly',
      { S3Bucket: 'team-artifacts', S3Key: 'builds/fn-42.zip' },
      /its code is s3:\/\/team-artifacts\/builds\/fn-42\.zip, which is not an asset of this cloud assembly/,
    ],
  ])('says why it cannot run when it is %s', (_, code, why) => {
    const { functions, warnings } = topologyOf({ Fn: functionWith(code) });
    expect(functions[0]?.assetDir).toBeUndefined();
    expect(warnings).toEqual([
      expect.stringMatching(
        /^AWS::Lambda::Function \(Fn\) is invoked by event source mapping FnMapping but cannot run locally: /,
      ),
    ]);
    expect(warnings[0]).toMatch(why);
  });
});
