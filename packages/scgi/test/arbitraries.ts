/** fast-check arbitraries for SCGI headers and requests, shared by the round-trip tests and the fuzzer. */
import fc from 'fast-check';
import type { Pair } from './helpers.js';

/** A latin1 string without NUL (what a header name or value may hold), biased towards CGI-like text. */
const latin1NoNul = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ unit: fc.integer({ min: 1, max: 0xff }).map((c) => String.fromCharCode(c)), minLength, maxLength }),
    fc.stringMatching(/^[A-Z_]{1,20}$/).filter((s) => s.length >= minLength && s.length <= maxLength),
  );

/** A header name: non-empty, no NUL, never CONTENT_LENGTH or SCGI (the encoder writes those itself). */
export const headerName: fc.Arbitrary<string> = latin1NoNul(1, 40).filter((n) => n !== 'CONTENT_LENGTH' && n !== 'SCGI');

/** A header value: possibly empty, no NUL. */
export const headerValue: fc.Arbitrary<string> = latin1NoNul(0, 60);

/** Header lists, repeated names allowed (lenient decoders keep them). */
export const headerList: fc.Arbitrary<Pair[]> = fc.array(fc.tuple(headerName, headerValue), { maxLength: 30 });

/** Header lists with distinct names (what a strict decoder accepts). */
export const uniqueHeaderList: fc.Arbitrary<Pair[]> = fc.uniqueArray(fc.tuple(headerName, headerValue), {
  maxLength: 30,
  selector: ([name]) => name,
});

/** A request body. */
export const body: fc.Arbitrary<Uint8Array> = fc.uint8Array({ maxLength: 300 });
