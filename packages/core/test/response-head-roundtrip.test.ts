import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitAt } from '@gw/test-utils';
import { encodeCgiHead, encodeHttpHead, type HeaderFieldValue, reasonPhrase } from '../src/index.js';
import { decodeChunks } from './response-head-support.js';

// RFC 9110 §5.6.2 tchar, spelled out here rather than imported so the test does not share the
// codec's table.
const TCHARS = [..."!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"];
const token = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 16 });
const cgiFieldName = token.filter((name) => name.toLowerCase() !== 'status');

/** Any latin1 character a field value may hold: everything but NUL, CR and LF. */
const valueChar = fc.integer({ min: 1, max: 0xff }).filter((c) => c !== 0x0a && c !== 0x0d).map((c) => String.fromCharCode(c));
/** The decoder trims surrounding SP/HTAB (RFC 9110 §5.5), so round-trippable text has none. */
const text = fc.string({ unit: valueChar, maxLength: 60 }).map((s) => s.replace(/^[ \t]+|[ \t]+$/g, ''));
const scalar = fc.oneof(text, fc.nat());
const fieldValue: fc.Arbitrary<HeaderFieldValue> = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }));
const fields = (name: fc.Arbitrary<string>) => fc.array(fc.tuple(name, fieldValue), { maxLength: 8 });

const status = fc.integer({ min: 100, max: 999 });
const statusText = fc.option(text, { nil: undefined });
const body = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b));
const cuts = fc.array(fc.nat({ max: 400 }), { maxLength: 6 });

/** The field list the decoder should report: one entry per value, numbers in decimal. */
function flatten(input: readonly [string, HeaderFieldValue][]): [string, string][] {
  return input.flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v): [string, string] => [name, String(v)]));
}

function firstLocation(list: [string, string][]): string | undefined {
  return list.find(([name]) => name.toLowerCase() === 'location')?.[1];
}

describe('response head round trip: decode(encode(x)) = x, however the bytes are cut', () => {
  it('CGI heads', () => {
    fc.assert(
      fc.property(status, statusText, fields(cgiFieldName), body, cuts, (code, reason, input, bodyBytes, at) => {
        const wire = Buffer.concat([encodeCgiHead(code, reason, input), bodyBytes]);
        const expected = flatten(input);
        for (const chunks of [[wire], splitAt(wire, at)]) {
          const out = decodeChunks(chunks, { accept: 'either' });
          expect(out).toEqual({
            ok: true,
            head: {
              kind: 'cgi',
              status: code,
              statusText: reason || reasonPhrase(code),
              httpVersion: undefined,
              headers: expected,
              location: firstLocation(expected),
              localRedirect: false,
            },
            headLength: wire.length - bodyBytes.length,
            body: bodyBytes.toString('latin1'),
          });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('HTTP heads', () => {
    const version = fc.tuple(fc.integer({ min: 0, max: 9 }), fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }));
    fc.assert(
      fc.property(version, status, statusText, fields(token), body, cuts, ([major, minor], code, reason, input, bodyBytes, at) => {
        const httpVersion = minor === undefined ? `${major}` : `${major}.${minor}`;
        const wire = Buffer.concat([encodeHttpHead(httpVersion, code, reason, input), bodyBytes]);
        const expected = flatten(input);
        for (const accept of ['http', 'either'] as const) {
          const out = decodeChunks(splitAt(wire, at), { accept });
          expect(out).toEqual({
            ok: true,
            head: {
              kind: 'http',
              status: code,
              statusText: reason || reasonPhrase(code),
              httpVersion,
              headers: expected,
              location: firstLocation(expected),
              localRedirect: false,
            },
            headLength: wire.length - bodyBytes.length,
            body: bodyBytes.toString('latin1'),
          });
        }
      }),
      { numRuns: 300 },
    );
  });
});
