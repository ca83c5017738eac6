import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const preloaded = new Set<string>();

/**
 * Loads the asset's sharp once in the main thread. sharp's documentation asks for this when workers
 * use it: a worker that was the only one to load a native library unloads it (dlclose) when it
 * exits, while libvips' own threads may still run its code. sharp 0.35's prebuilt binaries are
 * linked with `-z nodelete`, so they are never unloaded anyway (LD_DEBUG shows no `fini` before
 * process exit), but an asset may carry another build or version; a reference held by the main
 * thread costs little and rules the unload out. A sharp that cannot load here (e.g. arm64 binaries
 * on an x64 machine) is left alone: the function reports the same failure when it loads.
 */
export function preloadNativeModules(assetDir: string): void {
  if (preloaded.has(assetDir) || !existsSync(join(assetDir, 'node_modules', 'sharp'))) return;
  preloaded.add(assetDir);
  try {
    createRequire(join(assetDir, 'index.js'))('sharp');
  } catch {
    // See above: the function's own init reports it.
  }
}
