/**
 * Summarises a sampling heap profile (V8 HeapProfiler.stopSampling) by allocating function,
 * frames of the gw bundle mapped to `packages/**` file:line through its source map.
 */
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/** Sampled bytes by allocating function (`name file:line`), and the total. */
export function summariseHeapProfile(file: string, bundle: string | undefined, repoRoot: string): { total: number; byFunction: Map<string, number> } {
  const head = (JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode }).head;
  const map = bundle === undefined ? undefined : new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as SourceMapPayload);
  const bundleUrl = bundle === undefined ? undefined : `file://${bundle}`;
  const where = (f: HeapNode['callFrame']): string => {
    if (map !== undefined && f.url === bundleUrl) {
      const e = map.findEntry(f.lineNumber, f.columnNumber) as { originalSource?: string; originalLine?: number };
      if (e.originalSource !== undefined && e.originalLine !== undefined) {
        const source = e.originalSource.startsWith('file://') ? fileURLToPath(e.originalSource) : resolve(dirname(bundle as string), e.originalSource);
        return `${relative(repoRoot, source)}:${e.originalLine + 1}`;
      }
    }
    if (f.url.startsWith('file://')) return `${relative(repoRoot, fileURLToPath(f.url))}:${f.lineNumber + 1}`;
    return f.url === '' ? '(native/VM)' : f.url;
  };
  const byFunction = new Map<string, number>();
  let total = 0;
  const stack: HeapNode[] = [head];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.selfSize > 0) {
      const key = `\`${node.callFrame.functionName || '(anonymous)'}\` ${where(node.callFrame)}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    stack.push(...node.children);
  }
  return { total, byFunction };
}
