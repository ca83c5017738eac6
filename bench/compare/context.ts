import type { BenchEnvironment } from './environment';
import type { Job, ResultOf } from './jobs';
import type { Plan } from './plan';

/** What each comparison gets from the suite: the backend, the plan and a way to run a job. */
export interface RunContext {
  readonly environment: BenchEnvironment;
  readonly plan: Plan;
  readonly log: (line: string) => void;
  run<J extends Job>(job: J, environmentOverrides?: Readonly<Record<string, string>>): Promise<ResultOf<J>>;
}
