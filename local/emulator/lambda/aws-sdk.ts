/**
 * The AWS SDK for JavaScript v3 that Lambda's Node.js runtimes provide. From nodejs18.x on, a
 * function's `require('@aws-sdk/...')` that its bundle does not satisfy falls back to the runtime's
 * copy (NODE_PATH=...:/var/runtime/node_modules:...), which is why NodejsFunction leaves `@aws-sdk/*`
 * out of its bundles. Locally the fallback is this project's own installed SDK, and only the SDK:
 * a folder holding nothing but links to its `@aws-sdk` and `@smithy` scopes, so that a bundle that
 * forgot any other dependency still fails here as it would on Lambda.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The SDK a function gets when its bundle leaves it out. */
export interface ProvidedSdk {
  /** A node_modules folder with only the SDK's scopes in it: what NODE_PATH points at. */
  readonly nodeModules: string;
  /** The installed `@aws-sdk/client-*` packages and their versions, e.g. client-s3 -> 3.1175.0. */
  readonly clients: Readonly<Record<string, string>>;
}

/** The first runtime with SDK v3 inside; earlier ones carried v2 (`aws-sdk`), which is not provided. */
const firstRuntimeWithSdkV3 = 18;

export function runtimeIncludesSdkV3(runtime: string): boolean {
  const major = /^nodejs(\d+)/.exec(runtime)?.[1];
  return major !== undefined && Number(major) >= firstRuntimeWithSdkV3;
}

const sdkScopes = ['@aws-sdk', '@smithy'] as const;

/** Makes `path` a link to `target`, leaving a correct link alone (other processes share it). */
function link(target: string, path: string): void {
  if (existsSync(path) && readlinkSync(path) === target) return;
  try {
    symlinkSync(target, path, 'dir');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || readlinkSync(path) !== target) throw error;
  }
}

function installedClients(scopeDir: string): Record<string, string> {
  const clients: Record<string, string> = {};
  for (const name of readdirSync(scopeDir)
    .filter((entry) => entry.startsWith('client-'))
    .sort()) {
    const manifest = JSON.parse(readFileSync(join(scopeDir, name, 'package.json'), 'utf8')) as {
      version?: string;
    };
    if (manifest.version) clients[name] = manifest.version;
  }
  return clients;
}

let provided: ProvidedSdk | undefined;

/** Builds (once per process, shared between processes) the folder the functions' NODE_PATH names. */
export function providedSdk(): ProvidedSdk {
  if (provided) return provided;
  const require = createRequire(import.meta.url);
  const awsScope = dirname(dirname(require.resolve('@aws-sdk/client-sqs/package.json')));
  const projectModules = dirname(awsScope);
  const id = createHash('sha256').update(projectModules).digest('hex').slice(0, 16);
  const nodeModules = join(tmpdir(), `lambda-runtime-sdk-${id}`, 'node_modules');
  mkdirSync(nodeModules, { recursive: true });
  for (const scope of sdkScopes) {
    const target = join(projectModules, scope);
    if (existsSync(target)) link(target, join(nodeModules, scope));
  }
  provided = { nodeModules, clients: installedClients(awsScope) };
  return provided;
}
