import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { arch } from 'node:os';
import { join, relative, resolve } from 'node:path';

export interface LocalAssemblyOptions {
  /** The CDK project (where cdk.json is). */
  readonly projectDir: string;
  /** Where the local cloud assembly goes; default `<project>/.local/cdk.out`. */
  readonly outDir?: string;
  /** Extra `-c key=value` context, over the local defaults. */
  readonly context?: Readonly<Record<string, string>>;
  /** Synthesize even when the inputs have not changed. */
  readonly force?: boolean;
  readonly onOutput?: (line: string) => void;
}

export interface LocalAssembly {
  readonly dir: string;
  /** True when the existing assembly was up to date and reused. */
  readonly reused: boolean;
  readonly durationMs: number;
}

/**
 * Context for a local run: its own stage (so names never clash with a deployed dev stack), data
 * that can be thrown away, and Lambda bundles built for this machine's CPU, because the arm64 sharp
 * binaries of a deployable bundle do not load on an x64 laptop.
 */
export const localContext = (): Record<string, string> => ({
  stage: 'local',
  retainData: 'false',
  architecture: arch() === 'arm64' ? 'arm64' : 'x86_64',
});

interface CdkJson {
  readonly app?: string;
  readonly watch?: { readonly include?: readonly string[] };
}

const walk = (dir: string, files: string[]) => {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, files);
    else if (entry.isFile()) files.push(path);
  }
};

/**
 * A hash of what the assembly is built from: the files cdk.json's watch settings name (the app's
 * sources), cdk.json, the lockfile (bundled dependencies), the context and the Node version.
 */
const inputHash = (projectDir: string, cdkJson: CdkJson, context: Record<string, string>): string => {
  const files: string[] = [];
  for (const pattern of cdkJson.watch?.include ?? ['bin/**', 'lib/**', 'lambdas/**']) {
    const path = join(projectDir, pattern.replace(/\/?\*\*.*$/, ''));
    if (existsSync(path) && statSync(path).isDirectory()) walk(path, files);
    else if (existsSync(path)) files.push(path);
  }
  files.push(join(projectDir, 'cdk.json'), join(projectDir, 'package-lock.json'));
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ context, node: process.version }));
  for (const file of files.filter(existsSync).sort()) {
    hash.update(relative(projectDir, file));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex');
};

const runCdkSynth = (
  projectDir: string,
  outDir: string,
  context: Record<string, string>,
  onOutput?: (line: string) => void,
) =>
  new Promise<void>((done, fail) => {
    const cli = join(projectDir, 'node_modules', 'aws-cdk', 'bin', 'cdk');
    // --no-validation: CDK's built-in template validation costs seconds per synth; a local run
    // reads the template itself, and `cdk synth` before a deploy still validates.
    const args = [cli, 'synth', '--quiet', '--no-notices', '--no-validation', '--output', outDir];
    for (const [key, value] of Object.entries(context)) args.push('--context', `${key}=${value}`);
    const child = spawn(process.execPath, args, {
      cwd: projectDir,
      env: {
        ...process.env,
        CDK_DISABLE_CLI_TELEMETRY: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') onOutput?.(line);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', fail);
    child.once('close', (code) =>
      code === 0 ? done() : fail(new Error(`cdk synth failed (exit ${code}):\n${output.slice(-4000)}`)),
    );
  });

/**
 * The cloud assembly a local run reads: `cdk synth` with the local context into `.local/cdk.out`,
 * or the one already there when nothing it is built from has changed since.
 */
export const ensureLocalAssembly = async (options: LocalAssemblyOptions): Promise<LocalAssembly> => {
  const started = Date.now();
  const projectDir = resolve(options.projectDir);
  const dir = resolve(options.outDir ?? join(projectDir, '.local', 'cdk.out'));
  const context = { ...localContext(), ...options.context };
  const cdkJson = JSON.parse(readFileSync(join(projectDir, 'cdk.json'), 'utf8')) as CdkJson;
  const hash = inputHash(projectDir, cdkJson, context);
  const stamp = join(dir, '.local-input-hash');
  const fresh =
    !options.force &&
    existsSync(join(dir, 'manifest.json')) &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === hash;
  if (!fresh) {
    await runCdkSynth(projectDir, dir, context, options.onOutput);
    writeFileSync(stamp, hash);
  }
  return { dir, reused: fresh, durationMs: Date.now() - started };
};
