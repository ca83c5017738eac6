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
  // Side by side: much of a synth is npm installing sharp into each bundle, which waits on the disk.
  const [pipeline, soak] = await Promise.all([
    ensureLocalAssembly({ projectDir }),
    ensureSoakAssembly(projectDir),
  ]);
  project.provide('pipelineAssembly', pipeline.dir);
  project.provide('soakAssembly', soak.dir);
}
