import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { ensureLocalAssembly } from '../local/synth';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The image pipeline's cloud assembly, synthesized for local runs (what `npm start` runs). */
    pipelineAssembly: string;
  }
}

/** Synthesizes the app once for every test file (reused while its sources are unchanged). */
export default async function setup(project: TestProject) {
  const assembly = await ensureLocalAssembly({ projectDir: fileURLToPath(new URL('..', import.meta.url)) });
  project.provide('pipelineAssembly', assembly.dir);
}
