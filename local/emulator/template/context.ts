import type { CfnResource } from './cfn';
import type { Resolver } from './intrinsics';
import type { LocalNaming } from './types';

/** What each resource reader needs: the resolver, the naming, and a place for warnings. */
export interface ReadContext {
  readonly resolver: Resolver;
  readonly naming: LocalNaming;
  /** The directory asset paths in resource metadata are relative to. */
  readonly assemblyDir: string;
  /** File asset folders of the assembly by S3 object key (from the stack's asset manifest). */
  readonly assetFolders: ReadonlyMap<string, string>;
  readonly warnings: string[];
}

export interface TemplateResource {
  readonly logicalId: string;
  readonly resource: CfnResource;
}
