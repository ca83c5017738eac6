/**
 * The emulator core: runs any CDK app's synthesized stack locally from the CloudFormation types it
 * supports. It knows CloudFormation and AWS, never this app (docs/local-runtime.md).
 */
export * from './backend';
export * from './clients';
export * from './event-source';
export * from './http-api';
export * from './lambda';
export * from './notifications';
export * from './provision';
export * from './runtime';
export * from './sns-deliveries';
export * from './template';
