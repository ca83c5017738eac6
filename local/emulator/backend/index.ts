/** The embedded backend: S3, SNS, SQS (fauxqs) and DynamoDB (dynalite) on one port, in this process. */
export {
  type EmbeddedBackend,
  type EmbeddedBackendOptions,
  type ObjectEvent,
  startEmbeddedBackend,
} from './embedded';
