export * from './image-event';
export * from './parse';
