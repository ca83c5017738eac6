/** The fidelity fixture app (a lane per behaviour) run for one test file, and what its tests look up. */
import type { LocalPipeline } from '../../local/emulator';
import { type LaneName, laneOutputs, synthFidelityFixture } from '../fixtures/fidelity-app/app';
import { createObserver, resolveLane, statusOf } from './event-source';
import { useFixturePipeline } from './pipeline';

/** Runs the fixture with `lanes` only; `started` receives the pipeline. */
export const useFidelityFixture = (
  prefix: string,
  lanes: readonly LaneName[],
  started: (pipeline: LocalPipeline) => void,
) => {
  const observer = createObserver();
  let running: LocalPipeline | undefined;
  const pipeline = () => {
    if (running === undefined) throw new Error('The fidelity fixture has not started yet');
    return running;
  };
  useFixturePipeline({ prefix, synth: (dir) => synthFidelityFixture(dir, lanes) }, observer, (pipeline) => {
    running = pipeline;
    started(pipeline);
  });
  return {
    observer,
    lane: (name: LaneName) => resolveLane(pipeline(), laneOutputs(name)),
    /** The status of a lane's event source mapping. */
    statusOf: (mapping: string) => statusOf(pipeline(), mapping),
  };
};
