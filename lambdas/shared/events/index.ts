export * from './event-time-sequencer';
export * from './image-event';
export * from './parse';
