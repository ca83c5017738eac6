export * from './backoff';
export * from './commit';
export * from './commit-group';
export * from './image-table';
export * from './item-size';
export * from './schema';
