/**
 * The jobs a micro comparison runs in a process of its own, by name, each loaded only there: a memory
 * job's process holds its consumer's code and nothing else; the parent imports the types only.
 */
export const jobs = {
  batching: async () => (await import('./batching-job')).runBatchingJob,
  'record-concurrency': async () => (await import('./record-concurrency')).runRecordConcurrencyJob,
  'keep-alive': async () => (await import('./keep-alive-job')).runKeepAliveJob,
  thumbnail: async () => (await import('./thumbnail')).runThumbnailJob,
  memory: async () => (await import('./memory')).runMemoryJob,
};

type Job<N extends JobName> = Awaited<ReturnType<(typeof jobs)[N]>>;
export type JobName = keyof typeof jobs;
export type JobInput<N extends JobName> = Parameters<Job<N>>[0];
export type JobOutput<N extends JobName> = Awaited<ReturnType<Job<N>>>;
