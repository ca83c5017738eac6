import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ImageSearch } from '../indexing/search';
import { type AwsClients, keepAliveHandler } from '../shared/clients';
import { metricsNamespace } from '../shared/constants';
import { queueDepth } from '../shared/queue-depth';
import { ImageTable } from '../shared/store';
import { BacklogGauge, type DepthReader } from './backlog';
import type { ApiConfig } from './config';
import { apiMetrics, apiServiceName } from './constants';
import { type ApiEvent, type ApiResult, errorResult } from './http';
import { type ApiContext, routeRequest } from './routes';

export const sqsDepthReader =
  (sqs: SQSClient): DepthReader =>
  (queueUrl) =>
    queueDepth(sqs, queueUrl);

export const createApiLogger = () => new Logger({ serviceName: apiServiceName });

/** The per-container context: clients, the backlog gauge, metrics. */
export const createApiContext = (config: ApiConfig, clients: AwsClients, logger: Logger): ApiContext => {
  // Queue URLs may name hosts only AWS resolves; the SDK's endpoint setting decides where to go.
  const sqs = new SQSClient({ requestHandler: keepAliveHandler(8), useQueueUrlAsEndpoint: false });
  const metrics = new Metrics({ namespace: metricsNamespace, serviceName: apiServiceName });
  return {
    config,
    s3: clients.s3,
    table: new ImageTable(clients.dynamo, config.tableName),
    search: new ImageSearch(clients.dynamo, config.tableName),
    gauge: new BacklogGauge(config.backPressure, sqsDepthReader(sqs), Date.now, (error) =>
      logger.warn('Reading the backlog failed; deciding on the last reading', { error }),
    ),
    countUpload(outcome) {
      metrics.addMetric(
        outcome === 'accepted' ? apiMetrics.uploadsAccepted : apiMetrics.uploadsRefused,
        MetricUnit.Count,
        1,
      );
      metrics.publishStoredMetrics();
    },
  };
};

/** An API Gateway (payload 2.0) handler over the routes; errors become their status, never a crash. */
export const createApiHandler =
  (context: ApiContext, logger: Logger) =>
  async (event: ApiEvent): Promise<ApiResult> => {
    try {
      return await routeRequest(event, context);
    } catch (error) {
      const result = errorResult(error);
      if (result.statusCode === 500) logger.error('Request failed', { routeKey: event.routeKey, error });
      return result;
    }
  };
