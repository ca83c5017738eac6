/**
 * The child-process side of the comparisons: runs one job (argv[2], JSON) against the parent's
 * embedded backend and prints its result as one marked JSON line on stdout.
 */
import { runBatchingJob } from './batching/job';
import { type Job, resultMarker } from './jobs';
import { runKeepAliveJob } from './keep-alive/job';
import { runMemoryJob } from './memory/job';
import { runRecordConcurrencyJob } from './record-concurrency/job';
import { runThumbnailVsSharpJob } from './thumbnail-vs-sharp/job';

const run = (job: Job): Promise<unknown> => {
  switch (job.kind) {
    case 'batching':
      return runBatchingJob(job);
    case 'record-concurrency':
      return runRecordConcurrencyJob(job);
    case 'keep-alive':
      return runKeepAliveJob(job);
    case 'thumbnail-vs-sharp':
      return runThumbnailVsSharpJob(job);
    case 'memory':
      return runMemoryJob(job);
  }
};

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
try {
  const result = await run(job);
  // Exit at once: keep-alive sockets and the model's backend would hold the process open.
  process.stdout.write(`\n${resultMarker}${JSON.stringify(result)}\n`, () => process.exit(0));
} catch (error) {
  console.error(error);
  process.exit(1);
}
