import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

/**
 * Synthesizes a fixture CDK app the way a user does without the CDK CLI: `tsx app.ts` with
 * CDK_OUTDIR set (the App then synthesizes on exit). Such an assembly has no `aws:asset:path`
 * metadata. Returns the assembly directory, a fresh one each time.
 */
export const synthWithoutCli = async (appFile: string): Promise<string> => {
  const outdir = await mkdtemp(join(tmpdir(), 'fixture-assembly-'));
  await promisify(execFile)(process.execPath, [tsxCli, appFile], {
    // CDK_VALIDATION=false is `cdk synth --no-validation`: the built-in template validation costs
    // about ten seconds a fixture, and the local runtime checks what it runs itself.
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_VALIDATION: 'false', NODE_OPTIONS: '' },
    timeout: 180_000,
  });
  return outdir;
};
