import { basename } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * `npm test` runs two vitest runs: every file but the SQS event source's side by side
 * (`test:parallel`), then the event source's files (`test:timing`), one at a time, on a machine no
 * other file is loading. Those assert AWS's timings to a few hundred milliseconds (a batching window, five pollers
 * then one more every 200 ms, a deletion before a 3 s visibility timeout), which a starved event
 * loop misses when four workers share two cores with sharp's thread pool: seen on a clean clone,
 * where the bench test builds its image set meanwhile.
 *
 * The files that spend most of their time waiting (visibility timeouts, a drain, a killed process
 * coming back, a benchmark's phases), longest first: started first, they wait while the rest
 * computes. A clean clone has no timings of its own for vitest to order by.
 */
const waitingFiles = [
  'soak',
  'crash',
  'bench',
  'api-backpressure',
  'hostile',
  'api',
  'ops',
  'function-errors',
];

class WaitingFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const index = waitingFiles.indexOf(basename(file.moduleId, '.test.ts'));
      return index === -1 ? waitingFiles.length : index;
    };
    const ordered = await super.sort(files);
    return ordered
      .map((file, position) => ({ file, position }))
      .sort((a, b) => rank(a.file) - rank(b.file) || a.position - b.position)
      .map(({ file }) => file);
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Twice the cores: the integration files mostly wait on queues and timers, each on its own ports.
    maxWorkers: 4,
    sequence: { sequencer: WaitingFilesFirst },
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
  },
});
