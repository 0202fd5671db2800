/** Reads vector files (README.md "File format") into cases with their input bytes. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ByteRow, LoadedCase, VectorCase, VectorFile } from './types.js';

/** test-vectors/ on disk. */
export const VECTORS_ROOT: string = fileURLToPath(new URL('../', import.meta.url));

const PROTOCOLS = new Set(['fastcgi', 'scgi', 'uwsgi']);
const DIRECTIONS = new Set(['to-app', 'to-server']);
/** Directories holding vector files; the runner and tools live elsewhere. */
const VECTOR_DIRS = ['fastcgi', 'scgi', 'uwsgi', 'captured'];

/** Every `*.json` under the vector directories, sorted so test order is stable. */
export function vectorFilePaths(root: string = VECTORS_ROOT): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.json')) out.push(path);
    }
  };
  for (const dir of VECTOR_DIRS) walk(join(root, dir));
  return out;
}

/** The bytes of one row (see ByteRow). */
export function rowBytes(row: ByteRow, where: string): Buffer {
  if (Array.isArray(row)) return hexBytes(row[0], where);
  if ('text' in row) return Buffer.from(row.text, 'latin1');
  const once = hexBytes(row.hex, where);
  const repeat = row.repeat ?? 1;
  if (!Number.isInteger(repeat) || repeat < 0) throw new Error(`${where}: repeat must be a non-negative integer`);
  return Buffer.alloc(once.length * repeat, once);
}

function hexBytes(hex: string, where: string): Buffer {
  const compact = hex.replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(compact)) throw new Error(`${where}: bad hex "${hex}"`);
  return Buffer.from(compact, 'hex');
}

/** A case's input bytes, from its rows or its bytesFile. */
export function caseBytes(c: VectorCase, where: string, root: string = VECTORS_ROOT): Buffer {
  if ((c.bytes === undefined) === (c.bytesFile === undefined)) throw new Error(`${where}: set exactly one of bytes and bytesFile`);
  if (c.bytesFile !== undefined) return readFileSync(join(root, c.bytesFile));
  return Buffer.concat((c.bytes as ByteRow[]).map((row, i) => rowBytes(row, `${where} row ${i}`)));
}

/** Reads and checks one vector file; a malformed file throws rather than being skipped. */
export function loadVectorFile(path: string, root: string = VECTORS_ROOT): LoadedCase[] {
  const file = relative(root, path);
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as VectorFile;
  if (!PROTOCOLS.has(parsed.protocol)) throw new Error(`${file}: unknown protocol ${String(parsed.protocol)}`);
  if (!DIRECTIONS.has(parsed.direction)) throw new Error(`${file}: unknown direction ${String(parsed.direction)}`);
  if (!Array.isArray(parsed.cases) || parsed.cases.length === 0) throw new Error(`${file}: no cases`);
  const names = new Set<string>();
  return parsed.cases.map((c) => {
    const where = `${file}: "${c.name}"`;
    if (names.has(c.name)) throw new Error(`${where}: duplicate case name`);
    names.add(c.name);
    if (c.expect === undefined || c.error === undefined) throw new Error(`${where}: expect and error are required (null allowed)`);
    if (c.expect === null && c.error === null) throw new Error(`${where}: a case must expect a model or an error`);
    return { ...c, protocol: parsed.protocol, direction: parsed.direction, file, input: caseBytes(c, where, root) };
  });
}

/** Every case of every vector file. */
export function loadAllCases(root: string = VECTORS_ROOT): LoadedCase[] {
  return vectorFilePaths(root).flatMap((p) => loadVectorFile(p, root));
}
