import { Duration, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  apiEnv,
  apiMetrics,
  apiRoutes,
  apiServiceName,
  backlogQueueVariable,
} from '../lambdas/api/constants';
import { type ConsumerName, metricsNamespace } from '../lambdas/shared/constants';
import type { ApiSettings } from './api-settings';
import { createBundledFunction } from './bundled-function';
import { alarmPeriod, logRetention } from './defaults';
import type { ArchitectureName } from './settings';

/** Who may call: the issuer (the `iss` of their tokens) and the audiences a token must name. */
export interface JwtTrust {
  readonly issuer: string;
  readonly audience: readonly string[];
}

export interface ImageApiProps {
  readonly settings: ApiSettings;
  readonly trust: JwtTrust;
  /** Browser origins allowed to call; none: no CORS. */
  readonly corsOrigins: readonly string[];
  readonly architecture: ArchitectureName;
  /** Environment shared with the consumers (limits, log level). */
  readonly environment?: Readonly<Record<string, string>>;
}

/** Browsers on these origins may call the API; none: no CORS at all. */
const corsPreflightFor = (origins: readonly string[]): apigw.CorsPreflightOptions | undefined =>
  origins.length === 0
    ? undefined
    : {
        allowOrigins: [...origins],
        allowMethods: [apigw.CorsHttpMethod.GET, apigw.CorsHttpMethod.POST, apigw.CorsHttpMethod.DELETE],
        allowHeaders: ['authorization', 'content-type'],
        exposeHeaders: ['retry-after'],
        maxAge: Duration.hours(1),
      };

/**
 * The front door: an HTTP API with a JWT authorizer in front of one function that presigns uploads,
 * answers where an image stands, and refuses uploads while the consumers' backlog is too deep.
 */
export class ImageApi extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly function: NodejsFunction;
  readonly alarms: cloudwatch.Alarm[];
  private readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ImageApiProps) {
    super(scope, id);
    const { settings } = props;
    const { function: fn, role } = createBundledFunction(this, {
      folder: 'api',
      description: 'image-fanout API: presigned uploads, image status, search, back-pressure',
      roleDescription: 'Runs the image API: presigns uploads, reads image records, watches the backlog',
      architecture: props.architecture,
      memorySize: settings.memorySize,
      timeoutSeconds: settings.timeoutSeconds,
      environment: {
        ...props.environment,
        [apiEnv.uploadUrlSeconds]: String(settings.uploadUrlSeconds),
        [apiEnv.downloadUrlSeconds]: String(settings.downloadUrlSeconds),
        [apiEnv.maxBacklog]: String(settings.maxBacklog),
        [apiEnv.drainSeconds]: String(settings.drainSeconds),
        [apiEnv.backlogReadSeconds]: String(settings.backlogReadSeconds),
      },
    });
    this.function = fn;
    this.role = role;
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'image-fanout: upload URLs, image status and search',
      createDefaultStage: false,
      corsPreflight: corsPreflightFor(props.corsOrigins),
    });
    this.stage = this.createStage(settings);
    this.addRoutes(props.trust);
    this.alarms = [this.refusalAlarm()];
  }

  private createStage(settings: ApiSettings): apigw.HttpStage {
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logRetention });
    return new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: settings.throttleRateLimit, burstLimit: settings.throttleBurstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            routeKey: '$context.routeKey',
            status: '$context.status',
            sub: '$context.authorizer.claims.sub',
            ip: '$context.identity.sourceIp',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });
  }

  private addRoutes(trust: JwtTrust): void {
    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', trust.issuer, {
      jwtAudience: [...trust.audience],
      identitySource: ['$request.header.Authorization'],
    });
    const integration = new HttpLambdaIntegration('Integration', this.function, {
      payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
    });
    for (const routeKey of Object.values(apiRoutes)) {
      const [method, routePath] = routeKey.split(' ') as [keyof typeof apigw.HttpMethod, string];
      this.httpApi.addRoutes({
        path: routePath,
        methods: [apigw.HttpMethod[method]],
        integration,
        authorizer,
      });
    }
  }

  /** Presigns uploads (a POST policy signed with this role) and deletes the caller's own, under a prefix. */
  managesUploads(bucket: s3.IBucket, prefix: string, corsOrigins: readonly string[]): void {
    this.function.addEnvironment(apiEnv.uploadsBucket, bucket.bucketName);
    this.function.addEnvironment(apiEnv.uploadsPrefix, prefix);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:DeleteObject'],
        resources: [bucket.arnForObjects(`${prefix}*`)],
      }),
    );
    if (corsOrigins.length > 0 && bucket instanceof s3.Bucket) {
      // A browser posts the form straight to S3: the bucket, not the API, answers that preflight.
      bucket.addCorsRule({
        allowedMethods: [s3.HttpMethods.POST],
        allowedOrigins: [...corsOrigins],
        allowedHeaders: ['*'],
        maxAge: 3600,
      });
    }
  }

  /** Presigns GET URLs of derived objects (thumbnails) under a prefix. */
  presignsDownloads(bucket: s3.IBucket, prefix: string): void {
    this.function.addEnvironment(apiEnv.derivedBucket, bucket.bucketName);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${prefix}*`)] }),
    );
  }

  /** Reads image records (one partition per image) and the search index; never writes. */
  readsImages(table: dynamodb.ITable, indexName: string): void {
    this.function.addEnvironment(apiEnv.tableName, table.tableName);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [table.tableArn, `${table.tableArn}/index/${indexName}`],
      }),
    );
  }

  /** Reads a consumer queue's depth for back-pressure: GetQueueAttributes only. */
  watchesBacklog(consumer: ConsumerName, queue: sqs.IQueue): void {
    this.function.addEnvironment(backlogQueueVariable(consumer), queue.queueUrl);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sqs:GetQueueAttributes'], resources: [queue.queueArn] }),
    );
  }

  metric(metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: metricsNamespace,
      metricName,
      dimensionsMap: { service: apiServiceName },
      statistic: 'Sum',
      period: Duration.minutes(1),
      ...props,
    });
  }

  private refusalAlarm(): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, 'UploadsRefused', {
      alarmDescription: `${Stack.of(this).stackName} api: uploads are refused (429) while the backlog drains; see docs/api.md`,
      metric: this.metric(apiMetrics.uploadsRefused, { period: alarmPeriod }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** One dashboard row: requests, uploads accepted and refused, function health. */
  dashboardWidgets(): cloudwatch.IWidget[] {
    return [
      new cloudwatch.GraphWidget({
        title: 'api: uploads',
        left: [this.metric(apiMetrics.uploadsAccepted), this.metric(apiMetrics.uploadsRefused)],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'api: function',
        left: [
          this.function.metricInvocations(),
          this.function.metricErrors(),
          this.function.metricThrottles(),
        ],
        right: [this.function.metricDuration({ statistic: 'p99' })],
        width: 12,
      }),
    ];
  }
}
