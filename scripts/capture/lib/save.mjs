// Writes one capture as `<name>.bin` plus `<name>.json` (a vector file with one case) under
// test-vectors/captured/<server>-<version>/, and copies the generated config next to it.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatJson } from './format-json.mjs';
import { fastcgiModel, responseModel, scgiRequestModel, uwsgiRequestModel } from './reference-model.mjs';

export const VECTORS_ROOT = fileURLToPath(new URL('../../../test-vectors/', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The capture directory for a server, e.g. `captured/nginx-1.22.1`, created if missing. */
export function captureDir(serverLabel) {
  const dir = join(VECTORS_ROOT, 'captured', serverLabel);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function modelFor(protocol, direction, bytes) {
  if (protocol === 'fastcgi') return fastcgiModel(bytes);
  if (direction === 'to-server') return responseModel(bytes);
  return protocol === 'scgi' ? scgiRequestModel(bytes) : uwsgiRequestModel(bytes);
}

/** Replaces the temp prefix and generated ports in a config so the saved copy is stable. */
export function scrubConfig(text, prefix, ports = {}) {
  let out = text.split(prefix).join('$PREFIX');
  for (const [name, port] of Object.entries(ports)) out = out.split(String(port)).join(`$${name}`);
  return out;
}

/**
 * Saves bytes + a one-case vector file. `source` is the provenance object (server, version,
 * config file name, command, client); `expect` is computed by the naive reference model.
 */
export function saveCapture({ dir, name, protocol, direction, bytes, source, title }) {
  const binPath = join(dir, `${name}.bin`);
  writeFileSync(binPath, bytes);
  const vector = {
    protocol,
    direction,
    cases: [
      {
        name: title,
        source,
        bytesFile: relative(VECTORS_ROOT, binPath),
        expect: modelFor(protocol, direction, bytes),
        error: null,
        noScan: false,
      },
    ],
  };
  writeFileSync(join(dir, `${name}.json`), `${formatJson(vector)}\n`);
  console.log(`saved ${relative(REPO_ROOT, binPath)} (${bytes.length} bytes)`);
  return binPath;
}

/** Writes a text file (a scrubbed config) next to the captures. */
export function saveText(dir, fileName, text) {
  mkdirSync(dirname(join(dir, fileName)), { recursive: true });
  writeFileSync(join(dir, fileName), text);
}
