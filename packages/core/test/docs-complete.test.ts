/**
 * Keeps docs/errors.md and docs/limits.md complete: a new error code or limit without its line in
 * the docs fails here, and so does a documented error code that no longer exists.
 *
 * Error codes are found by scanning the sources (every string literal shaped like a code), so a
 * code needs no registration. Limits come from two places: the exported `*_LIMITS` spec objects,
 * imported from the packages and checked key by key in their own section of limits.md (with
 * their default), and every other `{ default, min, max }` spec literal in the sources (client
 * options, the response-head decoder…), checked by name and default anywhere in limits.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as core from '@gw/core';
import type { LimitSpec } from '@gw/core';
import * as fastcgi from '@gw/fastcgi';
import * as scgi from '@gw/scgi';
import * as uwsgi from '@gw/uwsgi';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ERRORS_DOC = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
const LIMITS_DOC = readFileSync(join(ROOT, 'docs/limits.md'), 'utf8');

// ── sources ──────────────────────────────────────────────────────────────────

interface SourceFile {
  path: string;
  text: string;
}

function tsFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFilesUnder(path));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Every `packages/<name>/src/**\/*.ts`. */
function sourceFiles(): SourceFile[] {
  const files: SourceFile[] = [];
  const packagesDir = join(ROOT, 'packages');
  for (const pkg of readdirSync(packagesDir, { withFileTypes: true })) {
    if (!pkg.isDirectory()) continue;
    let paths: string[];
    try {
      paths = tsFilesUnder(join(packagesDir, pkg.name, 'src'));
    } catch {
      continue; // a package without src/ (yet)
    }
    for (const path of paths) files.push({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') });
  }
  return files;
}

const SOURCES = sourceFiles();

// ── error codes ──────────────────────────────────────────────────────────────

/** The code prefixes of architecture.md, plus the proxy's. */
const CODE_BODY = '(?:FCGI|SCGI|UWSGI|CGI|GW|PROXY)_ERR_[A-Z0-9_]+';

/** Code → first file that has it as a string literal ('…', "…" or `…`). */
function codesInSources(): Map<string, string> {
  const literal = new RegExp(String.raw`(['"\x60])(${CODE_BODY})\1`, 'g');
  const codes = new Map<string, string>();
  for (const file of SOURCES) {
    for (const match of file.text.matchAll(literal)) {
      const code = match[2] as string;
      if (!codes.has(code)) codes.set(code, file.path);
    }
  }
  return codes;
}

/** Codes written as `CODE` (in backticks) in a document. */
function codesInDoc(doc: string): Set<string> {
  return new Set([...doc.matchAll(new RegExp(String.raw`\x60(${CODE_BODY})\x60`, 'g'))].map((m) => m[1] as string));
}

describe('docs/errors.md', () => {
  const sourceCodes = codesInSources();
  const documented = codesInDoc(ERRORS_DOC);

  it('finds the codes in the sources (the scan itself works)', () => {
    // Well over a hundred codes exist; a broken scan must not make the checks below pass vacuously.
    expect(sourceCodes.size).toBeGreaterThan(100);
    expect(sourceCodes.has('FCGI_ERR_UNSUPPORTED_VERSION')).toBe(true);
    expect(sourceCodes.has('GW_ERR_INVALID_OPTION')).toBe(true);
  });

  it('lists every error code that appears in packages/*/src', () => {
    const missing = [...sourceCodes].filter(([code]) => !documented.has(code)).map(([code, path]) => `${code} (${path})`);
    expect(missing, 'codes used in the sources but missing from docs/errors.md').toEqual([]);
  });

  it('lists no code that the sources do not have', () => {
    const stale = [...documented].filter((code) => !sourceCodes.has(code));
    expect(stale, 'codes in docs/errors.md that no source file uses').toEqual([]);
  });
});

// ── limits ───────────────────────────────────────────────────────────────────

type Specs = Record<string, LimitSpec>;

function isLimitSpecs(value: unknown): value is Specs {
  if (typeof value !== 'object' || value === null) return false;
  const entries = Object.values(value);
  return entries.length > 0 && entries.every((v) => typeof v === 'object' && v !== null && 'default' in v && 'min' in v && 'max' in v);
}

/** Every `*_LIMITS` export of the imported packages, by export name. */
function exportedLimitSpecs(): Map<string, Specs> {
  const out = new Map<string, Specs>();
  for (const mod of [core, fastcgi, scgi, uwsgi] as Record<string, unknown>[]) {
    for (const [name, value] of Object.entries(mod)) {
      if (name.endsWith('_LIMITS') && isLimitSpecs(value)) out.set(name, value);
    }
  }
  return out;
}

/** Names exported as `*_LIMITS` anywhere in the sources (`export const X_LIMITS`, `… as X_LIMITS`). */
function limitExportNamesInSources(): Set<string> {
  const names = new Set<string>();
  for (const file of SOURCES) {
    for (const m of file.text.matchAll(/export const (\w+_LIMITS)\b/g)) names.add(m[1] as string);
    for (const m of file.text.matchAll(/\bas (\w+_LIMITS)\b/g)) names.add(m[1] as string);
  }
  return names;
}

/** How a default is written in limits.md: the plain decimal number, or `Infinity`. */
function formatNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'Infinity';
}

/** True when `text` holds `token` as a whole number (not as part of a longer one). */
function hasNumberToken(text: string, token: string): boolean {
  return new RegExp(String.raw`(?<![\w.])${token}(?![\w])`).test(text);
}

/** Table rows (lines starting with `|`) split into trimmed cells. */
function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
}

/** Whether a table cell names option `key`: `key` or a dotted path ending in it (`timeouts.connect`). */
function cellNames(cell: string, key: string): boolean {
  return new RegExp(String.raw`\x60(?:[\w]+\.)?${key}\x60`).test(cell);
}

/**
 * The parts of limits.md under each heading that names `exportName` in backticks, each up to the
 * next heading of the same or a higher level. An alias (`SCGI_SERVER_LIMITS` is
 * `SINGLE_REQUEST_SERVER_LIMITS`) may be named by a short section that points to the full table.
 */
function sectionsOf(exportName: string): string[] {
  const lines = LIMITS_DOC.split('\n');
  const sections: string[] = [];
  lines.forEach((line, start) => {
    if (!/^#{1,6} /.test(line) || !line.includes(`\x60${exportName}\x60`)) return;
    const level = line.indexOf(' ');
    let end = start + 1;
    while (end < lines.length) {
      const heading = /^(#{1,6}) /.exec(lines[end] as string);
      if (heading !== null && (heading[1] as string).length <= level) break;
      end++;
    }
    sections.push(lines.slice(start, end).join('\n'));
  });
  return sections;
}

/** One `name: { default: …, min: …, max: … }` literal found in the sources. */
interface SpecLiteral {
  key: string;
  default: number | undefined;
  min: number | undefined;
  max: number | undefined;
  path: string;
}

/**
 * Evaluates the simple expressions spec literals use (`65536`, `30_000`, `0x7fffffff`,
 * `16 * 1024 * 1024`, `Number.POSITIVE_INFINITY`); undefined for anything else (a named constant).
 */
function evaluate(expression: string): number | undefined {
  let product = 1;
  for (const raw of expression.split('*')) {
    const factor = raw.trim().replaceAll('_', '');
    if (factor === 'Number.POSITIVE_INFINITY') product *= Number.POSITIVE_INFINITY;
    else if (/^(?:0x[0-9a-f]+|\d+)$/i.test(factor)) product *= Number(factor);
    else return undefined;
  }
  return product;
}

function specLiteralsInSources(): SpecLiteral[] {
  const literal = /(\w+)\s*:\s*\{\s*default\s*:\s*([^,{}]+?)\s*,\s*min\s*:\s*([^,{}]+?)\s*,\s*max\s*:\s*([^,{}]+?)\s*\}/g;
  const out: SpecLiteral[] = [];
  for (const file of SOURCES) {
    for (const m of file.text.matchAll(literal)) {
      out.push({ key: m[1] as string, default: evaluate(m[2] as string), min: evaluate(m[3] as string), max: evaluate(m[4] as string), path: file.path });
    }
  }
  return out;
}

describe('docs/limits.md', () => {
  const exported = exportedLimitSpecs();

  it('imports every *_LIMITS object the packages export', () => {
    // Adding a `*_LIMITS` export to a package this test does not import must fail here, so that
    // its section is checked too.
    expect([...limitExportNamesInSources()].filter((name) => !exported.has(name))).toEqual([]);
    for (const name of ['RECORD_DECODER_LIMITS', 'SERVER_LIMITS', 'SCGI_DECODER_LIMITS', 'UWSGI_DECODER_LIMITS', 'SINGLE_REQUEST_SERVER_LIMITS', 'SCGI_SERVER_LIMITS', 'UWSGI_SERVER_LIMITS']) {
      expect(exported.has(name), name).toBe(true);
    }
  });

  it('has a section for every exported *_LIMITS object, with a row per key showing its default', () => {
    const problems: string[] = [];
    for (const [name, specs] of exported) {
      const sections = sectionsOf(name);
      if (sections.length === 0) {
        problems.push(`${name}: no heading names it`);
        continue;
      }
      const rows = sections.flatMap(tableRows);
      for (const [key, spec] of Object.entries(specs)) {
        const row = rows.find((cells) => cellNames(cells[0] ?? '', key));
        if (row === undefined) problems.push(`${name}.${key}: no row`);
        else if (!hasNumberToken(row[1] ?? '', formatNumber(spec.default))) {
          problems.push(`${name}.${key}: default column "${row[1]}" does not show ${formatNumber(spec.default)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('lists every other limit spec of the sources by name, with its default', () => {
    const literals = specLiteralsInSources();
    // The exported objects alone hold more than twenty entries: a broken scan must not pass.
    expect(literals.length).toBeGreaterThan(30);
    const rows = tableRows(LIMITS_DOC);
    const problems: string[] = [];
    for (const spec of literals) {
      const named = rows.filter((cells) => cellNames(cells[0] ?? '', spec.key));
      if (named.length === 0) {
        problems.push(`${spec.key} (${spec.path}): no row names it`);
        continue;
      }
      // A default outside [min, max] is a placeholder the code replaces (the FastCGI client's
      // pool size comes from the application); only real defaults must be shown.
      const value = spec.default;
      if (value === undefined || (spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) continue;
      if (!named.some((cells) => hasNumberToken(cells[1] ?? '', formatNumber(value)))) {
        problems.push(`${spec.key} (${spec.path}): no row shows its default ${formatNumber(value)}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
