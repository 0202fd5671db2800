/**
 * Summarises a V8 .cpuprofile of the gw app: self and inclusive time by function, self time by
 * source file and by line, with frames of the bundle mapped back to `packages/**` file:line
 * through its source map (node:module's SourceMap).
 */
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  children?: number[];
  positionTicks?: { line: number; ticks: number }[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  startTime: number;
  endTime: number;
}

/** Counts of samples, by key. */
type Tally = Map<string, number>;

export interface ProfileSummary {
  samples: number;
  /** Samples in `(idle)`: the app waiting for I/O. */
  idle: number;
  /** Sampling interval, µs (profile duration ÷ samples). */
  intervalUs: number;
  selfByFunction: Tally;
  /** A function counted once per sample it is on the stack of (recursion not double-counted). */
  inclusiveByFunction: Tally;
  selfByFile: Tally;
  /** V8 positionTicks of optimized/interpreted code in packages/**, mapped to lines. */
  selfByLine: Tally;
}

const add = (t: Tally, k: string, n = 1) => t.set(k, (t.get(k) ?? 0) + n);

/**
 * Reads `profileFile`, mapping frames of `bundle` (with `bundle.map` beside it) to repo paths;
 * without a bundle (the reference apps), file URLs are only made relative to the repo.
 */
export function summariseProfile(profileFile: string, bundle: string | undefined, repoRoot: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile;
  const map = bundle === undefined ? undefined : new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as SourceMapPayload);
  const bundleUrl = bundle === undefined ? undefined : `file://${bundle}`;
  const bundleDir = bundle === undefined ? repoRoot : dirname(bundle);

  const original = (line: number, column: number): { file: string; line: number } | undefined => {
    if (map === undefined) return undefined;
    const e = map.findEntry(line, column) as { originalSource?: string; originalLine?: number };
    if (e.originalSource === undefined || e.originalLine === undefined) return undefined;
    const source = e.originalSource.startsWith('file://') ? fileURLToPath(e.originalSource) : resolve(bundleDir, e.originalSource);
    return { file: relative(repoRoot, source), line: e.originalLine + 1 };
  };

  /** Function label and source file of a node. */
  const labels = new Map<number, { fn: string; file: string }>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const c of node.children ?? []) parent.set(c, node.id);
    const f = node.callFrame;
    const name = f.functionName || '(anonymous)';
    if (f.url === bundleUrl) {
      const at = original(f.lineNumber, f.columnNumber);
      labels.set(node.id, { fn: `\`${name}\` ${at ? `${at.file}:${at.line}` : 'bundle'}`, file: at?.file ?? 'bundle' });
    } else if (f.url === '') {
      labels.set(node.id, { fn: `\`${name}\` (native/VM)`, file: name.startsWith('(') ? name : '(native: C++ bindings, builtins)' });
    } else {
      const file = f.url.startsWith('file://') ? relative(repoRoot, fileURLToPath(f.url)) : f.url;
      labels.set(node.id, { fn: `\`${name}\` ${file}${f.url.startsWith('file://') ? `:${f.lineNumber + 1}` : ''}`, file });
    }
  }

  const s: ProfileSummary = {
    samples: profile.samples.length,
    idle: 0,
    intervalUs: (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length),
    selfByFunction: new Map(),
    inclusiveByFunction: new Map(),
    selfByFile: new Map(),
    selfByLine: new Map(),
  };
  for (const leaf of profile.samples) {
    const own = labels.get(leaf);
    if (own === undefined) continue;
    if (own.fn.startsWith('`(idle)`')) {
      s.idle++;
      continue;
    }
    add(s.selfByFunction, own.fn);
    add(s.selfByFile, own.file);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const fn = labels.get(id)?.fn;
      if (fn !== undefined && !seen.has(fn)) {
        seen.add(fn);
        add(s.inclusiveByFunction, fn);
      }
    }
  }
  for (const node of profile.nodes) {
    if (node.callFrame.url !== bundleUrl) continue;
    for (const t of node.positionTicks ?? []) {
      // positionTicks lines are 1-based; the end of the line lands on its last statement.
      const at = original(t.line - 1, 1e6);
      if (at?.file.startsWith('packages/')) add(s.selfByLine, `${at.file}:${at.line}`, t.ticks);
    }
  }
  return s;
}

/**
 * The top `n` rows of a tally as Markdown table rows: share of `of` samples, and µs per request
 * (samples × sampling interval ÷ requests served while profiling).
 */
export function topRows(t: Tally, of: number, usPerSample: number, n: number, filter: (key: string) => boolean = () => true): string[] {
  return [...t.entries()]
    .filter(([k]) => filter(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, c]) => `| ${((100 * c) / of).toFixed(1)}% | ${(c * usPerSample).toFixed(2)} | ${k} |`);
}
