/**
 * Profiles one codec benchmark with V8's CPU profiler and prints where the time goes, mapped back
 * to TypeScript `file:line`, so a suggestion can point at a line instead of a guess.
 *
 * Why a bundle: tsx minifies whitespace (a whole module is one line), which leaves a profile no
 * line information. So the benchmark is bundled with esbuild — the version tsup uses for `dist/`,
 * not minified, with a source map — and run with `BENCH_CPU_PROFILE` (the harness profiles from
 * the first warm-up on, leaving fixture building out); every sample's function and line are
 * mapped through the source map with node:module's SourceMap.
 *
 * Usage, in benchmarks/: `node --import tsx codec/profile.ts <bench> [case-regex] [--top=N]`,
 * e.g. `node --import tsx codec/profile.ts fcgi-requests "gw RecordDecoder \(ParamList"`.
 * The bundle and the .cpuprofile stay in `$TMPDIR/gw-bench-profile/` (open the profile in DevTools).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  positionTicks?: { line: number; ticks: number }[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

const here = dirname(fileURLToPath(import.meta.url));
const benchmarksDir = dirname(here);
const repoRoot = dirname(benchmarksDir);

const args = process.argv.slice(2);
const benchName = args.find((a) => !a.startsWith('--'))?.replace(/\.bench\.ts$/, '');
const caseFilter = args.filter((a) => !a.startsWith('--'))[1];
const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
if (!benchName) {
  process.stderr.write('usage: node --import tsx codec/profile.ts <bench> [case-regex] [--top=N]\n');
  process.exit(2);
}

// Outside the repo, so linters and watchers never see the bundle.
const outDir = join(tmpdir(), 'gw-bench-profile');
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const bundle = join(outDir, `${benchName}.mjs`);

await build({
  entryPoints: [join(here, `${benchName}.bench.ts`)],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'external',
  tsconfig: join(repoRoot, 'tsconfig.json'),
  // fastcgi-stream is CommonJS and requires node built-ins; give the ESM bundle a real `require`.
  banner: { js: "import { createRequire as __gwCreateRequire } from 'node:module'; const require = __gwCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

// The harness profiles from the first warm-up to the end (fixture building left out).
const profileFile = join(outDir, `${benchName}.cpuprofile`);
const run = spawnSync(process.execPath, ['--expose-gc', bundle], {
  env: { ...process.env, BENCH_CPU_PROFILE: profileFile, ...(caseFilter ? { BENCH_FILTER: caseFilter } : {}) },
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (run.status !== 0) throw new Error(`profiled run exited with ${run.status}`);

const profile = JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile;
const map = new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as SourceMapPayload);
const bundleUrl = `file://${bundle}`;

/** Generated (0-based line, column) → `path:line` in the repo, or undefined outside the bundle. */
function original(line: number, column: number): { file: string; line: number } | undefined {
  const e = map.findEntry(line, column) as { originalSource?: string; originalLine?: number };
  if (e.originalSource === undefined || e.originalLine === undefined) return undefined;
  const source = e.originalSource.startsWith('file://') ? fileURLToPath(e.originalSource) : resolve(outDir, e.originalSource);
  return { file: relative(repoRoot, source), line: e.originalLine + 1 };
}

const total = profile.samples.length;
const pct = (n: number): string => `${((100 * n) / total).toFixed(1)}%`;
const byFunction = new Map<string, number>();
const byLine = new Map<string, number>();
for (const node of profile.nodes) {
  const hits = node.hitCount ?? 0;
  if (hits === 0) continue;
  const f = node.callFrame;
  let label: string;
  if (f.url === bundleUrl) {
    const at = original(f.lineNumber, f.columnNumber);
    label = `\`${f.functionName || '(anonymous)'}\` ${at ? `${at.file}:${at.line}` : 'bundle'}`;
    for (const t of node.positionTicks ?? []) {
      // positionTicks lines are 1-based; map the end of the line to land on its last statement.
      const pos = original(t.line - 1, 1e6);
      if (pos?.file.startsWith('packages/')) {
        const key = `${pos.file}:${pos.line}`;
        byLine.set(key, (byLine.get(key) ?? 0) + t.ticks);
      }
    }
  } else {
    label = `\`${f.functionName || '(anonymous)'}\` ${f.url ? f.url.replace(/^node:/, 'node:') : '(native/VM)'}`;
  }
  byFunction.set(label, (byFunction.get(label) ?? 0) + hits);
}

const rows = (m: Map<string, number>): string[] =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, n]) => `| ${pct(n)} | ${k} |`);
process.stdout.write(
  [
    '',
    `### CPU profile: ${benchName}${caseFilter ? ` (cases matching /${caseFilter}/)` : ''}`,
    '',
    `${total} samples at 200 µs; profile: ${profileFile}`,
    '',
    '| self | function (source) |',
    '| ---: | --- |',
    ...rows(byFunction),
    '',
    '| self | line in packages/** |',
    '| ---: | --- |',
    ...rows(byLine),
    '',
  ].join('\n'),
);
