/** S3 event notifications, delivered from the template's bucket configuration to topics and queues. */
export { createNotifier, type Notifier, type NotifierOptions } from './notifier';
export { encodeS3Key, eventMatches, s3EventMessage, s3TestEventMessage } from './s3-event';
