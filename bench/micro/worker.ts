/** A micro job's process: runs the job named in argv[2] on the JSON input in argv[3] and prints its result. */
import { type JobName, jobs } from './jobs';
import { resultMarker } from './spawn';

try {
  const run = (await jobs[process.argv[2] as JobName]()) as (input: unknown) => Promise<unknown>;
  const result = await run(JSON.parse(process.argv[3] ?? '{}'));
  // Exit at once: keep-alive sockets and the model's backend would hold the process open.
  process.stdout.write(`\n${resultMarker}${JSON.stringify(result)}\n`, () => process.exit(0));
} catch (error) {
  console.error(error);
  process.exit(1);
}
