import { ParamList } from '@gw/core';
import { isolate, splitAt } from '@gw/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeUwsgiRequest } from '../src/index.js';
import { cuts, request, requestBytes } from './support/arbitraries.js';
import { NGINX_BODY, NGINX_VARS } from './support/fixtures.js';
import { decodeChunks } from './support/record-events.js';

/** Encodes with the encoder under test, appends the body raw, decodes. */
function roundTrip(vars: Parameters<typeof encodeUwsgiRequest>[0], body: Buffer, options: { modifier1?: number; modifier2?: number } = {}) {
  const wire = Buffer.concat([encodeUwsgiRequest(vars, options), body]);
  return decodeChunks([wire], { maxVarsBytes: 65535 });
}

describe('round trip: decode(encode(x)) = x', () => {
  it('hand-picked requests', () => {
    const cases: { vars: (readonly [string, string])[]; body: string; modifier1?: number; modifier2?: number }[] = [
      { vars: [], body: '' },
      { vars: [['REQUEST_METHOD', 'GET']], body: '' },
      { vars: [['CONTENT_LENGTH', '5'], ['REQUEST_METHOD', 'PUT']], body: 'hello' },
      { vars: [['A', ''], ['A', 'x'], ['B', '\u00ff\u0000']], body: '', modifier1: 30, modifier2: 1 },
      { vars: [...NGINX_VARS], body: NGINX_BODY.toString('latin1') },
    ];
    for (const c of cases) {
      const run = roundTrip(c.vars, Buffer.from(c.body, 'latin1'), c);
      expect(run.outcome.error).toBeNull();
      expect(run.outcome.request).toMatchObject({ modifier1: c.modifier1 ?? 0, modifier2: c.modifier2 ?? 0, vars: c.vars });
      expect(run.outcome.body).toBe(Buffer.from(c.body, 'latin1').toString('hex'));
      expect(run.outcome.events.at(-1)).toBe('bodyEnd');
    }
  });

  it('a decoded ParamList re-encodes to the same bytes', () => {
    const first = roundTrip(NGINX_VARS, NGINX_BODY);
    const again = encodeUwsgiRequest(first.vars as ParamList);
    expect(again).toEqual(encodeUwsgiRequest(NGINX_VARS));
  });

  it('fast-check: random vars, modifiers and bodies', () => {
    fc.assert(
      fc.property(request, (r) => {
        const run = roundTrip(r.vars, r.body, r);
        expect(run.outcome.error).toBeNull();
        expect(run.outcome.request?.modifier1).toBe(r.modifier1);
        expect(run.outcome.request?.modifier2).toBe(r.modifier2);
        expect(run.outcome.request?.contentLength).toBe(r.body.length);
        const vars = run.vars as ParamList;
        expect(vars.length).toBe(r.vars.length);
        r.vars.forEach(([k, v], i) => {
          expect(vars.nameBytes(i)).toEqual(k);
          expect(vars.valueBytes(i)).toEqual(v);
        });
        expect(run.outcome.body).toBe(r.body.toString('hex'));
        // The hand-built wire form and the encoder agree byte for byte.
        expect(Buffer.concat([encodeUwsgiRequest(r.vars, r), r.body])).toEqual(requestBytes(r));
      }),
      { numRuns: 300 },
    );
  });

  it('fast-check: any chunking gives the same events', () => {
    fc.assert(
      fc.property(
        request.chain((r) => fc.tuple(fc.constant(requestBytes(r, Buffer.from('xx'))), cuts(requestBytes(r).length + 2))),
        ([wire, at]) => {
          const whole = decodeChunks([wire], { maxVarsBytes: 65535 }).outcome;
          expect(decodeChunks(isolate(splitAt(wire, at)), { maxVarsBytes: 65535 }).outcome).toEqual(whole);
        },
      ),
      { numRuns: 300 },
    );
  });
});
