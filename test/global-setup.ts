import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { ensureLocalAssembly, ensureSoakAssembly } from '../local/tools';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The image pipeline's cloud assembly, synthesized for local runs (what `npm start` runs). */
    pipelineAssembly: string;
    /** The same stack with short function timeouts, for the soak and crash tests (what `npm run soak` runs). */
    soakAssembly: string;
  }
}

/** Synthesizes the app once for every test file (reused while its sources are unchanged). */
export default async function setup(project: TestProject) {
  const projectDir = fileURLToPath(new URL('..', import.meta.url));
  // One after the other: each synth bundles four functions, and there are two cores.
  const pipeline = await ensureLocalAssembly({ projectDir });
  const soak = await ensureSoakAssembly(projectDir);
  project.provide('pipelineAssembly', pipeline.dir);
  project.provide('soakAssembly', soak.dir);
}
