import type { BatchingJob, BatchingResult } from './batching/job';
import type { KeepAliveJob, KeepAliveResult } from './keep-alive/job';
import type { MemoryJob, MemoryResult } from './memory/job';
import type { RecordConcurrencyJob, RecordConcurrencyResult } from './record-concurrency/job';
import type { ThumbnailVsSharpJob, ThumbnailVsSharpResult } from './thumbnail-vs-sharp/job';

/** What a child process is asked to do, and what it answers; types only, shared by both sides. */
export interface JobResults {
  batching: [BatchingJob, BatchingResult];
  'record-concurrency': [RecordConcurrencyJob, RecordConcurrencyResult];
  'keep-alive': [KeepAliveJob, KeepAliveResult];
  'thumbnail-vs-sharp': [ThumbnailVsSharpJob, ThumbnailVsSharpResult];
  memory: [MemoryJob, MemoryResult];
}

export type JobKind = keyof JobResults;
export type Job = JobResults[JobKind][0];
export type ResultOf<J extends Job> = JobResults[J['kind']][1];

/** The child's answer is the one stdout line that starts with this; the rest is the consumer's logs. */
export const resultMarker = '@@bench-compare-result@@ ';
