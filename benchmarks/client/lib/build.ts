/**
 * Bundles a gw benchmark app with esbuild, @gw/* resolved to the packages' TypeScript sources via
 * the root tsconfig's `paths` (as e2e/lib/build.ts does): a run measures the working tree, never a
 * stale dist/, and a --cpu-prof profile maps back to packages/** through the source map.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
export const clientDir = dirname(here);
export const benchmarksDir = dirname(clientDir);
export const repoRoot = dirname(benchmarksDir);
export const appsDir = join(clientDir, 'apps');

/**
 * Bundles `apps/<name>` into `outDir/<name without extension>.mjs` (+ .map); returns its path.
 * `root` is the checkout to bundle from (default this one; quick-proxy's `old` passes another).
 */
export async function bundleApp(name: string, outDir: string, root: string = repoRoot): Promise<string> {
  const outfile = join(outDir, name.replace(/\.[mc]?[tj]s$/, '.mjs'));
  await build({
    entryPoints: [join(root, 'benchmarks/client/apps', name)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'external',
    tsconfig: join(root, 'tsconfig.json'),
    logLevel: 'warning',
  });
  return outfile;
}
