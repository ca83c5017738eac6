/** Provisioning: the topology's resources created on an endpoint through the ordinary APIs. */
export { findQueues, type LambdaSubscription, type ProvisionResult, provision } from './provision';
