/** Finds a stack's template and its file assets in a CDK cloud assembly (cdk.out) through its manifest.json. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type CfnTemplate, isRecord } from './cfn';

export interface StackArtifact {
  /** The artifact id in the manifest, e.g. "ImageFanout-dev". */
  readonly artifactId: string;
  /** The CloudFormation stack name (`properties.stackName`, else the artifact id). */
  readonly stackName: string;
  readonly displayName: string;
  /** The absolute path of the template file. */
  readonly templateFile: string;
  /** The directory asset paths in the template's metadata are relative to. */
  readonly assemblyDir: string;
  /** The stack's asset manifest (`<stack>.assets.json`), when the assembly has one. */
  readonly assetManifestFile?: string;
}

const readJson = (file: string, what: string): unknown => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read ${what} ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} ${file} is not valid JSON: ${(error as Error).message}`);
  }
};

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The file of the asset manifest a stack depends on (the artifact of type cdk:asset-manifest). */
const assetManifestOf = (
  artifacts: Readonly<Record<string, unknown>>,
  stack: Readonly<Record<string, unknown>>,
  assemblyDir: string,
): string | undefined => {
  const dependencies = Array.isArray(stack.dependencies) ? stack.dependencies : [];
  for (const id of dependencies) {
    const dependency = typeof id === 'string' ? artifacts[id] : undefined;
    if (!isRecord(dependency) || dependency.type !== 'cdk:asset-manifest') continue;
    const file = isRecord(dependency.properties) ? text(dependency.properties.file) : undefined;
    if (file) return join(assemblyDir, file);
  }
  return undefined;
};

/** Every stack artifact of the assembly, including those of nested assemblies (CDK stages). */
export const listStacks = (assemblyDir: string): StackArtifact[] => {
  const manifest = readJson(join(assemblyDir, 'manifest.json'), 'cloud assembly manifest');
  const artifacts = isRecord(manifest) && isRecord(manifest.artifacts) ? manifest.artifacts : {};
  return Object.entries(artifacts).flatMap(([artifactId, artifact]): StackArtifact[] => {
    if (!isRecord(artifact)) return [];
    const properties = isRecord(artifact.properties) ? artifact.properties : {};
    if (artifact.type === 'cdk:cloud-assembly') {
      const nested = text(properties.directoryName);
      return nested ? listStacks(join(assemblyDir, nested)) : [];
    }
    if (artifact.type !== 'aws:cloudformation:stack') return [];
    const templateFile = text(properties.templateFile);
    if (!templateFile)
      throw new Error(`Stack artifact ${artifactId} in ${assemblyDir} names no templateFile`);
    const stackName = text(properties.stackName) ?? artifactId;
    const assetManifestFile = assetManifestOf(artifacts, artifact, assemblyDir);
    return [
      {
        artifactId,
        stackName,
        displayName: text(artifact.displayName) ?? stackName,
        templateFile: join(assemblyDir, templateFile),
        assemblyDir,
        ...(assetManifestFile === undefined ? {} : { assetManifestFile }),
      },
    ];
  });
};

/** The one stack to run: the one named (artifact id, stack name or display name), or the only one. */
export const selectStack = (assemblyDir: string, stackName?: string): StackArtifact => {
  const stacks = listStacks(assemblyDir);
  const names = stacks.map((stack) => stack.displayName).join(', ') || 'none';
  if (stackName !== undefined) {
    const found = stacks.find((stack) =>
      [stack.artifactId, stack.stackName, stack.displayName].includes(stackName),
    );
    if (!found)
      throw new Error(`No stack "${stackName}" in the cloud assembly ${assemblyDir}; stacks: ${names}`);
    return found;
  }
  const [only, ...others] = stacks;
  if (!only) throw new Error(`The cloud assembly ${assemblyDir} has no CloudFormation stack`);
  if (others.length > 0) {
    throw new Error(`The cloud assembly ${assemblyDir} has several stacks (${names}); name the one to run`);
  }
  return only;
};

export const readTemplate = (stack: StackArtifact): CfnTemplate => {
  const template = readJson(stack.templateFile, 'template');
  if (!isRecord(template)) throw new Error(`Template ${stack.templateFile} is not a JSON object`);
  // The shape is checked where each part is read, with the path of whatever does not fit.
  return template as CfnTemplate;
};

/**
 * Where each file asset of a stack is in the assembly, by the S3 object key it is published under
 * (what a template's `Code.S3Key` names). An assembly synthesized without the CDK CLI has no
 * `aws:asset:path` metadata, but its asset manifest still maps every asset to its folder.
 */
export const readAssetFolders = (stack: StackArtifact): ReadonlyMap<string, string> => {
  const folders = new Map<string, string>();
  if (stack.assetManifestFile === undefined || !existsSync(stack.assetManifestFile)) return folders;
  const manifest = readJson(stack.assetManifestFile, 'asset manifest');
  const files = isRecord(manifest) && isRecord(manifest.files) ? manifest.files : {};
  for (const [hash, asset] of Object.entries(files)) {
    if (!isRecord(asset) || !isRecord(asset.source)) continue;
    const path = text(asset.source.path);
    if (path === undefined) continue;
    const folder = resolve(stack.assemblyDir, path);
    folders.set(`${hash}.zip`, folder);
    const destinations = isRecord(asset.destinations) ? Object.values(asset.destinations) : [];
    for (const destination of destinations) {
      const objectKey = isRecord(destination) ? text(destination.objectKey) : undefined;
      if (objectKey) folders.set(objectKey, folder);
    }
  }
  return folders;
};
