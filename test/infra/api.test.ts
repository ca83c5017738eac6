import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { apiMetrics, apiRoutes, backlogQueueVariable } from '../../lambdas/api/constants';
import { consumerNames, metricsNamespace, stackOutputs, uploadsPrefix } from '../../lambdas/shared/constants';
import { apiDefaults } from '../../lib/api-settings';
import { synthesize } from '../helpers/synth';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const { stack, template } = synthesize();
const resources = template.toJSON().Resources as Resources;
const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const ofType = (from: Resources, type: string) => Object.entries(from).filter(([, r]) => r.Type === type);
const apiId = logicalId(stack.api.httpApi);

describe('the HTTP API', () => {
  const authorizers = ofType(resources, 'AWS::ApiGatewayV2::Authorizer');

  it.each(Object.values(apiRoutes))('routes %s to the function behind the JWT authorizer', (routeKey) => {
    const [authorizerId] = authorizers.map(([id]) => id);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      ApiId: { Ref: apiId },
      RouteKey: routeKey,
      AuthorizationType: 'JWT',
      AuthorizerId: { Ref: authorizerId },
    });
  });

  it('has no route without the authorizer, and one Lambda integration with payload 2.0', () => {
    const routes = ofType(resources, 'AWS::ApiGatewayV2::Route');
    expect(routes).toHaveLength(Object.keys(apiRoutes).length);
    for (const [, route] of routes) expect(route.Properties?.AuthorizationType).toBe('JWT');
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [logicalId(stack.api.function), 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
  });

  it('trusts the Cognito pool of the stack, and only its app client, when context names no issuer', () => {
    const pool = stack.identity.userPool as IConstruct;
    const client = stack.identity.userPoolClient as IConstruct;
    expect(authorizers).toHaveLength(1);
    expect(authorizers[0]?.[1].Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: logicalId(client) }],
        Issuer: {
          'Fn::Join': [
            '',
            [
              'https://cognito-idp.',
              { Ref: 'AWS::Region' },
              '.',
              { Ref: 'AWS::URLSuffix' },
              '/',
              { Ref: logicalId(pool) },
            ],
          ],
        },
      },
    });
    // Administrators invite users; MFA is required; passwords are long.
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12 }) },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', { GenerateSecret: false });
  });

  it('trusts the issuer and audiences given by context instead, and creates no user pool', () => {
    const { template: withIssuer } = synthesize({
      jwtIssuer: 'https://login.example.com/',
      jwtAudience: 'web-app,cli',
    });
    withIssuer.resourceCountIs('AWS::Cognito::UserPool', 0);
    withIssuer.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Issuer: 'https://login.example.com/', Audience: ['web-app', 'cli'] },
    });
    withIssuer.hasOutput(stackOutputs.jwtIssuer, { Value: 'https://login.example.com/' });
  });

  it('throttles the $default stage and writes access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: apiId },
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: apiDefaults.throttleRateLimit,
        ThrottlingBurstLimit: apiDefaults.throttleBurstLimit,
      },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it('allows browser origins from context on the API and on the uploads bucket, and none by default', () => {
    expect(resources[apiId]?.Properties?.CorsConfiguration).toBeUndefined();
    expect(resources[logicalId(stack.uploadsBucket)]?.Properties?.CorsConfiguration).toBeUndefined();
    const { template: withCors, stack: corsStack } = synthesize({ corsOrigins: 'https://app.example.com' });
    withCors.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://app.example.com'] }),
    });
    const uploads = corsStack.getLogicalId(corsStack.uploadsBucket.node.defaultChild as CfnElement);
    expect(withCors.toJSON().Resources[uploads].Properties.CorsConfiguration).toEqual({
      CorsRules: [
        {
          AllowedMethods: ['POST'],
          AllowedOrigins: ['https://app.example.com'],
          AllowedHeaders: ['*'],
          MaxAge: 3600,
        },
      ],
    });
  });
});

describe('the API function', () => {
  const fn = resources[logicalId(stack.api.function)]?.Properties ?? {};
  const variables = (fn.Environment as { Variables: Record<string, unknown> }).Variables;

  it('names each consumer queue it watches, and the buckets, table and limits it works with', () => {
    for (const name of consumerNames) {
      expect(variables[backlogQueueVariable(name)]).toEqual({ Ref: logicalId(stack.consumers[name].queue) });
    }
    expect(variables).toMatchObject({
      UPLOADS_BUCKET: { Ref: logicalId(stack.uploadsBucket) },
      UPLOADS_PREFIX: uploadsPrefix,
      DERIVED_BUCKET: { Ref: logicalId(stack.derivedBucket) },
      TABLE_NAME: { Ref: logicalId(stack.table) },
      MAX_IMAGE_BYTES: String(stack.settings.limits.maxBytes),
      MAX_BACKLOG: String(apiDefaults.maxBacklog),
      DRAIN_SECONDS: String(apiDefaults.drainSeconds),
      BACKLOG_READ_SECONDS: String(apiDefaults.backlogReadSeconds),
      UPLOAD_URL_SECONDS: String(apiDefaults.uploadUrlSeconds),
    });
    expect(fn).toMatchObject({ MemorySize: apiDefaults.memorySize, Timeout: apiDefaults.timeoutSeconds });
  });

  it('takes its back-pressure settings from context', () => {
    const { template: tuned } = synthesize({ api: '{"maxBacklog":800,"drainSeconds":30}' });
    tuned.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MAX_BACKLOG: '800', DRAIN_SECONDS: '30' }) },
    });
  });

  it('alarms, to the alarm topic, as soon as uploads are refused', () => {
    const alarms = ofType(resources, 'AWS::CloudWatch::Alarm').filter(
      ([, alarm]) => alarm.Properties?.MetricName === apiMetrics.uploadsRefused,
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.[1].Properties).toMatchObject({
      Namespace: metricsNamespace,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: [{ Name: 'service', Value: 'image-fanout-api' }],
    });
    // The same topic as the consumers' alarms.
    const consumerAlarm = ofType(resources, 'AWS::CloudWatch::Alarm').find(
      ([, alarm]) => alarm.Properties?.MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    expect(alarms[0]?.[1].Properties?.AlarmActions).toEqual(consumerAlarm?.[1].Properties?.AlarmActions);
  });
});

describe('API settings from context', () => {
  it.each([
    [{ jwtIssuer: 'https://login.example.com/' }, /jwtIssuer and jwtAudience together/],
    [{ jwtAudience: 'web' }, /jwtIssuer and jwtAudience together/],
    [{ jwtIssuer: 'http://insecure.example.com', jwtAudience: 'web' }, /an https:\/\/ URL/],
    [{ corsOrigins: 'app.example.com' }, /origins such as https:\/\/app\.example\.com/],
    [{ api: '{"maxBacklogs":5}' }, /whole-number settings among uploadUrlSeconds/],
    [{ api: '{"timeoutSeconds":40}' }, /timeoutSeconds 40 must be 1-29/],
    [{ api: '{"backlogReadSeconds":300}' }, /backlogReadSeconds 300 must be 1-120/],
  ])('rejects %j with a message that says what to change', (context, message) => {
    expect(() => synthesize(context)).toThrow(message);
  });
});
