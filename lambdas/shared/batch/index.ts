export * from './runtime';
export * from './types';
