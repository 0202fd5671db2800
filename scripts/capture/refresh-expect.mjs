#!/usr/bin/env node
// Recomputes `expect` of every committed capture (test-vectors/captured/**/*.json) from its .bin
// with the reference model, without rerunning any server. Use it after a change to the model's
// JSON shape; review the diff before committing.

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatJson } from './lib/format-json.mjs';
import { modelFor, VECTORS_ROOT } from './lib/save.mjs';

function* jsonFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* jsonFiles(path);
    else if (name.endsWith('.json')) yield path;
  }
}

let changed = 0;
for (const path of jsonFiles(join(VECTORS_ROOT, 'captured'))) {
  const vector = JSON.parse(readFileSync(path, 'utf8'));
  for (const c of vector.cases) {
    const bytes = readFileSync(join(VECTORS_ROOT, c.bytesFile));
    c.expect = modelFor(vector.protocol, vector.direction, bytes);
  }
  const text = `${formatJson(vector)}\n`;
  if (text !== readFileSync(path, 'utf8')) {
    writeFileSync(path, text);
    changed++;
    console.log(`updated ${path}`);
  }
}
console.log(`${changed} file(s) updated`);
