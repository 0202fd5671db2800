import { bytewise, isolate, splitAt } from '@gw/test-utils';
import { describe, expect, it } from 'vitest';
import { splitPoints } from './runner/chunkings.js';
import { loadAllCases } from './runner/load.js';
import { decodeModel, type ReportedError } from './runner/model.js';
import type { LoadedCase } from './runner/types.js';

/**
 * Replays every language-neutral vector (test-vectors/README.md) through the real decoders: the
 * input whole, one byte per chunk, and cut in two at every index (or, for big captures, at the
 * indices chunkings.ts picks). Each feeding must give exactly the expected model and error.
 */

const cases = loadAllCases();

/** What one feeding produced, in the form a case states its expectation. */
type Outcome = { model: Record<string, unknown> | null; error: ReportedError | null };

function run(c: LoadedCase, chunks: Buffer[]): Outcome {
  const out = decodeModel(c.protocol, c.direction, c.options, chunks);
  // `expect: null` states only the error: the model is then not compared.
  return { model: c.expect === null ? null : out.model, error: out.error };
}

/** JSON with object keys sorted, so two equal outcomes serialise identically whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/** The expectation in the same form. */
function expected(c: LoadedCase): Outcome {
  return { model: c.expect, error: c.error === null ? null : { code: c.error.code, offset: c.error.offset } };
}

describe.each([...new Set(cases.map((c) => c.file))])('%s', (file) => {
  for (const c of cases.filter((k) => k.file === file)) {
    describe(c.name, () => {
      const want = expected(c);

      it('whole', () => {
        expect(run(c, [c.input])).toEqual(want);
      });

      it('one byte per chunk', () => {
        expect(run(c, isolate(bytewise(c.input)))).toEqual(want);
      });

      if (c.noScan !== true) {
        const points = splitPoints(c.input, c.protocol, c.direction);
        it(`split in two at ${points.length} indices`, () => {
          // Serialised comparison keeps the scan fast; a mismatch is then shown with a full diff.
          const wantText = canonical(want);
          for (const at of points) {
            const got = run(c, isolate(splitAt(c.input, [at])));
            if (canonical(got) !== wantText) expect(got, `cut at byte ${at}`).toEqual(want);
          }
        });
      }
    });
  }
});
