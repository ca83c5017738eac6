export * from './decode';
export * from './limits';
export * from './load';
export * from './sniff';
