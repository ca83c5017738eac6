import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { esbuildTarget, lambdaRuntime, logRetention } from './defaults';
import type { ArchitectureName } from './settings';

const projectRoot = path.resolve(import.meta.dirname, '..');

export interface BundledFunctionProps {
  /** The folder under lambdas/ whose handler.ts is the entry point. */
  readonly folder: string;
  readonly description: string;
  /** Says in IAM what the function's role is for. */
  readonly roleDescription: string;
  readonly architecture: ArchitectureName;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly environment: Readonly<Record<string, string>>;
  /** esbuild settings over the shared ones (native modules, aliases, defines). */
  readonly bundling?: Partial<BundlingOptions>;
}

/**
 * A function of this app in `scope`: its log group, a role that may write there and nothing else
 * yet (each grant adds what it needs), and its handler bundled from lambdas/ with esbuild.
 */
export const createBundledFunction = (scope: Construct, props: BundledFunctionProps) => {
  const logGroup = new logs.LogGroup(scope, 'Logs', { retention: logRetention });
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.roleDescription,
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  const fn = new NodejsFunction(scope, 'Function', {
    entry: path.join(projectRoot, 'lambdas', props.folder, 'handler.ts'),
    handler: 'handler',
    description: props.description,
    runtime: lambdaRuntime,
    architecture: props.architecture === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64,
    memorySize: props.memorySize,
    timeout: Duration.seconds(props.timeoutSeconds),
    role,
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    projectRoot,
    depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
    environment: { ...props.environment },
    bundling: {
      format: OutputFormat.CJS,
      target: esbuildTarget,
      minify: true,
      sourceMap: false,
      // The runtime's own SDK may lag; bundling ours pins what the tests ran against.
      externalModules: [],
      ...props.bundling,
    },
  });
  return { function: fn, role };
};
