#!/usr/bin/env node
// Authoring aid for hand-written vectors: a case whose `expect` is the string "FILL" gets the model
// computed by the capture tools' naive reference decoder (scripts/capture/lib/reference-model.mjs),
// which shares no code with the codecs under test. Only for valid input: error cases state what
// decoded before the error by hand. Review the filled values before committing.
//
//   node test-vectors/tools/fill-expect.mjs test-vectors/fastcgi/*.json
//   node test-vectors/tools/fill-expect.mjs --check test-vectors/fastcgi/*.json   (report differences only)

import { readFileSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { formatJson } from '../../scripts/capture/lib/format-json.mjs';
import { modelFor } from '../../scripts/capture/lib/save.mjs';

/** Bytes of one row: [hex, comment], { text }, or { hex, repeat } (see ../README.md). */
function rowBytes(row) {
  if (Array.isArray(row)) return Buffer.from(row[0].replace(/\s+/g, ''), 'hex');
  if ('text' in row) return Buffer.from(row.text, 'latin1');
  const once = Buffer.from(row.hex.replace(/\s+/g, ''), 'hex');
  return Buffer.alloc(once.length * (row.repeat ?? 1), once);
}

const check = process.argv.includes('--check');
for (const path of process.argv.slice(2).filter((a) => !a.startsWith('--'))) {
  const vector = JSON.parse(readFileSync(path, 'utf8'));
  let filled = 0;
  for (const c of vector.cases) {
    if (!c.bytes || c.error !== null || (c.expect !== 'FILL' && !check)) continue;
    let model;
    try {
      model = modelFor(vector.protocol, vector.direction, Buffer.concat(c.bytes.map(rowBytes)));
    } catch (err) {
      console.log(`${path}: "${c.name}": the reference decoder cannot read this input (${err.message})`);
      continue;
    }
    if (c.expect === 'FILL') {
      c.expect = model;
      filled++;
    } else if (check && c.expect !== null && !isDeepStrictEqual(c.expect, model)) {
      console.log(`${path}: "${c.name}" differs from the reference model:\n${formatJson(model)}`);
    }
  }
  const text = `${formatJson(vector)}\n`;
  if (!check && text !== readFileSync(path, 'utf8')) {
    writeFileSync(path, text);
    console.log(`${path}: filled ${filled} case(s), layout normalised`);
  }
}
