export * from './image-table';
export * from './schema';
