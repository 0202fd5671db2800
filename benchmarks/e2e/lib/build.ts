/**
 * Builds the gw app: esbuild bundles e2e/apps/gw-app.mjs with @gw/* resolved to the packages'
 * TypeScript sources through the root tsconfig's `paths` — the working tree as it is, never a
 * stale dist/ — into one ESM file with an external source map.
 *
 * Why a bundle and not dist/: dist/ is only as fresh as the last `pnpm build`, and a profile of
 * tsup's output maps to dist lines. The bundle uses the esbuild version tsup uses, target node20,
 * not minified — the same code V8 would run from dist/, one module instead of three.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
export const e2eDir = dirname(here);
export const benchmarksDir = dirname(e2eDir);
export const repoRoot = dirname(benchmarksDir);
export const appsDir = join(e2eDir, 'apps');
export const clientsDir = join(e2eDir, 'clients');

/**
 * Bundles the gw app into `outDir/<name>` (+ `.map`); returns the bundle's path. `root` is the
 * checkout whose packages and app are bundled: this one, or another commit's (a `git worktree`)
 * to measure two versions side by side.
 */
export async function buildGwApp(outDir: string, root = repoRoot, name = 'gw-app.mjs'): Promise<string> {
  const outfile = join(outDir, name);
  await build({
    entryPoints: [join(root, 'benchmarks', 'e2e', 'apps', 'gw-app.mjs')],
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
