/** SNS-to-Lambda subscriptions, delivered as Lambda's asynchronous invocation does. */
export { AsyncDelivery, type AsyncDeliveryStats, lambdaAsyncRetryDelaysMs } from './async-delivery';
export { type SnsDeliveriesOptions, startSnsDeliveries } from './deliveries';
export { standInQueueName, standInSubscriptionAttributes } from './sns-event';
