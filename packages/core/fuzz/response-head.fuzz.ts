/**
 * Time-boxed fuzzing of the response-head codec. Each property runs for GW_FUZZ_SECONDS (default 3)
 * seconds; fast-check is not coverage-guided, so raw bytes are mixed with mutated plausible heads.
 *
 *   GW_FUZZ_SECONDS=2 npx vitest run packages/core/fuzz
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytewise, splitAt } from '@gw/test-utils';
import { encodeCgiHead, encodeHttpHead, GatewayError, ResponseHeadDecoder, type ResponseHeadDecoderOptions } from '../src/index.js';
import { decodeChunks, type Outcome } from '../test/response-head-support.js';

const SECONDS = Number(process.env.GW_FUZZ_SECONDS ?? 3);

/** Runs `property` until the time budget is spent and logs how many runs that was. */
function fuzz<T>(name: string, input: fc.Arbitrary<T>, predicate: (value: T) => void): void {
  let runs = 0;
  const property = fc.property(input, (value) => {
    runs++;
    predicate(value);
  });
  fc.assert(property, {
    numRuns: Number.MAX_SAFE_INTEGER,
    interruptAfterTimeLimit: SECONDS * 1000,
    markInterruptAsFailure: false,
  });
  console.log(`[fuzz] response-head / ${name}: ${runs} runs in ${SECONDS}s`);
}

// ---- inputs -------------------------------------------------------------------------------------

const options: fc.Arbitrary<ResponseHeadDecoderOptions> = fc.record({
  maxHeadBytes: fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 81, max: 2048 })),
  accept: fc.constantFrom('cgi' as const, 'http' as const, 'either' as const),
});

/** Bytes that steer the decoder's decisions: line ends, separators, digits, the HTTP/ prefix. */
const INTERESTING = [0x0a, 0x0d, 0x3a, 0x20, 0x09, 0x00, 0x2f, 0x48, 0x30, 0x31, 0x39, 0x2e, 0xff, 0x7f];
const interestingByte = fc.oneof(fc.constantFrom(...INTERESTING), fc.integer({ min: 0, max: 255 }));

/** A line end placed before each further line; the last line is ended by `terminator`. */
const eol = fc.constantFrom('\n', '\r\n');
const line = fc.oneof(
  fc.constantFrom('Status: 200 OK', 'Status: 404', 'status:302 Found', 'Status: 20', 'Status: abc', 'Location: /local', 'Location: https://x/'),
  fc.constantFrom('Content-Type: text/plain', 'Set-Cookie: a=1', 'Content-Length: 5', 'X-Empty:', 'X :bad', 'no colon', ' folded'),
  fc.tuple(fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/), fc.string({ maxLength: 20 })).map(([n, v]) => `${n}: ${v}`),
);
const firstLine = fc.oneof(
  line,
  fc.constantFrom('HTTP/1.1 200 OK', 'HTTP/1.0 404 Not Found', 'HTTP/2 204', 'HTTP/1.1 20 OK', 'HTTP/1.1  200 OK', 'HTTP/x 200'),
);
const terminator = fc.constantFrom('\n\n', '\r\n\r\n', '\n\r\n', '\r\n\n', '\n', '');

/** A plausible head: first line, field lines, a (maybe missing) blank line, and a body. */
const plausibleHead = fc
  .tuple(firstLine, fc.array(fc.tuple(eol, line), { maxLength: 8 }), terminator, fc.string({ maxLength: 20 }))
  .map(([first, rest, end, body]) => Buffer.from(first + rest.map(([e, l]) => e + l).join('') + end + body, 'latin1'));

type Mutation = { at: number; op: 'set' | 'insert' | 'delete'; byte: number };
const mutation: fc.Arbitrary<Mutation> = fc.record({ at: fc.nat(), op: fc.constantFrom('set' as const, 'insert' as const, 'delete' as const), byte: interestingByte });

function mutate(bytes: Buffer, mutations: readonly Mutation[]): Buffer {
  const out = [...bytes];
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + (m.op === 'insert' ? 1 : 0));
    if (m.op === 'insert') out.splice(at, 0, m.byte);
    else if (out.length > 0 && m.op === 'set') out[at] = m.byte;
    else if (out.length > 0) out.splice(at, 1);
  }
  return Buffer.from(out);
}

const rawBytes = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b));
const mutatedHead = fc.tuple(plausibleHead, fc.array(mutation, { maxLength: 4 })).map(([head, ms]) => mutate(head, ms));
const anyInput = fc.oneof(rawBytes, plausibleHead, mutatedHead);
const cuts = fc.array(fc.nat({ max: 320 }), { maxLength: 8 });

// ---- oracles ------------------------------------------------------------------------------------

/** Reference framing, written independently of the decoder: offset after the first blank line, or -1. */
function referenceHeadEnd(text: string): number {
  let start = 0;
  for (;;) {
    const lf = text.indexOf('\n', start);
    if (lf === -1) return -1;
    const content = text.slice(start, lf);
    if (content === '' || content === '\r') return lf + 1;
    start = lf + 1;
  }
}

/**
 * Pushes the chunks, checking after every push that the decoder holds no more than maxHeadBytes,
 * and that anything thrown is a GatewayError with a CGI_ERR_ code.
 */
function decodeWatched(chunks: readonly Buffer[], opts: ResponseHeadDecoderOptions): void {
  const decoder = new ResponseHeadDecoder(opts);
  const max = opts.maxHeadBytes ?? 65536;
  try {
    for (const chunk of chunks) {
      const done = decoder.push(chunk);
      // a plain check: this runs once per byte in the bytewise pass, too often for expect()
      if (decoder.bufferedBytes > max) throw new Error(`holding ${decoder.bufferedBytes} bytes, limit ${max}`);
      if (done !== undefined) return;
    }
    decoder.end();
  } catch (err) {
    if (!(err instanceof GatewayError) || !err.code.startsWith('CGI_ERR_')) throw err;
    expect(err.code).not.toBe('CGI_ERR_HEAD_ALREADY_DECODED');
    expect(decoder.failed).toBe(true);
    expect(decoder.bufferedBytes).toBe(0);
  }
}

/** The outcome agrees with the reference framing and with the limit. */
function checkFraming(bytes: Buffer, opts: ResponseHeadDecoderOptions, out: Outcome): void {
  const text = bytes.toString('latin1');
  const max = opts.maxHeadBytes ?? 65536;
  const end = referenceHeadEnd(text);
  if (end !== -1 && end <= max) {
    if (out.ok) {
      expect(out.headLength).toBe(end);
      expect(out.body).toBe(text.slice(end));
      expect(out.head.status).toBeGreaterThanOrEqual(100);
      expect(out.head.status).toBeLessThanOrEqual(999);
    } else {
      expect(['CGI_ERR_HEAD_TOO_LARGE', 'CGI_ERR_INCOMPLETE_HEAD']).not.toContain(out.code);
      expect(out.offset).toBeLessThan(end);
    }
  } else if (bytes.length > max) {
    expect(out).toEqual({ ok: false, code: 'CGI_ERR_HEAD_TOO_LARGE', offset: max, errorClass: 'LimitError' });
  } else {
    expect(out).toEqual({ ok: false, code: 'CGI_ERR_INCOMPLETE_HEAD', offset: bytes.length, errorClass: 'ProtocolError' });
  }
}

// ---- properties ---------------------------------------------------------------------------------

describe('response-head fuzz', () => {
  it('throws only CGI_ERR_* GatewayErrors and never holds more than maxHeadBytes', () => {
    fuzz('errors and memory', fc.tuple(anyInput, options, cuts), ([bytes, opts, at]) => {
      decodeWatched(splitAt(bytes, at), opts);
      decodeWatched(bytewise(bytes), opts);
    });
  });

  it('gives the same outcome whole, cut anywhere and byte by byte, and frames like the reference', () => {
    fuzz('chunking invariance', fc.tuple(anyInput, options, cuts), ([bytes, opts, at]) => {
      const whole = decodeChunks([bytes], opts);
      checkFraming(bytes, opts, whole);
      expect(decodeChunks(splitAt(bytes, at), opts)).toEqual(whole);
      expect(decodeChunks(bytewise(bytes), opts)).toEqual(whole);
    });
  });

  it('decodes whatever the encoders accept, or they refuse with a typed error', () => {
    const unit = fc.oneof(
      fc.constantFrom(':', ' ', '\t', '\r', '\n', '\0', '\u00e9', '\u20ac'),
      fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
      fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    );
    const anyString = fc.string({ unit, maxLength: 12 });
    const field = fc.tuple(fc.oneof(anyString, fc.stringMatching(/^[A-Za-z-]{1,10}$/)), fc.oneof(anyString, fc.nat()));
    const status = fc.oneof(fc.integer({ min: 100, max: 999 }), fc.integer({ min: -5, max: 1200 }));
    const input = fc.tuple(fc.boolean(), status, fc.option(anyString, { nil: undefined }), fc.array(field, { maxLength: 5 }));
    fuzz('encoder output decodes', input, ([http, code, reason, fields]) => {
      let wire: Buffer;
      try {
        wire = http ? encodeHttpHead('1.1', code, reason, fields) : encodeCgiHead(code, reason, fields);
      } catch (err) {
        if (!(err instanceof GatewayError) || !/^(CGI_ERR_INVALID_|GW_ERR_NOT_LATIN1$)/.test(err.code)) throw err;
        return;
      }
      const out = decodeChunks([wire], { accept: http ? 'http' : 'cgi' });
      if (!out.ok) throw new Error(`encoder output did not decode: ${out.code} at ${String(out.offset)}`);
      expect(out.head.status).toBe(code);
      expect(out.head.headers).toEqual(fields.map(([n, v]) => [n, String(v).replace(/^[ \t]+|[ \t]+$/g, '')]));
      expect(out.body).toBe('');
    });
  });
});
