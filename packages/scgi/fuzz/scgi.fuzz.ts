/**
 * Time-boxed fast-check fuzzing of the SCGI codec. Budget per property: GW_FUZZ_SECONDS (default 3).
 * Not coverage-guided, so inputs mix structure (encoded requests, mutated requests) with raw bytes.
 */
import { GatewayError } from '@gw/core';
import { splitAt } from '@gw/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeScgiRequest, type ScgiDecoderOptions, ScgiRequestDecoder } from '../src/index.js';
import { body, headerList, uniqueHeaderList } from '../test/arbitraries.js';
import { type DecoderEvent, mergeBody, runDecoder } from '../test/helpers.js';

const seconds = Number(process.env.GW_FUZZ_SECONDS ?? 3);
const budget = { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false };

/** Runs one property for the time budget and logs how many inputs it tried. */
function fuzz<T>(name: string, arbitrary: fc.Arbitrary<T>, check: (value: T) => void): void {
  let runs = 0;
  fc.assert(
    fc.property(arbitrary, (value) => {
      runs++;
      check(value);
    }),
    budget,
  );
  console.log(`[fuzz scgi] ${name}: ${runs} runs in ${seconds}s`);
}

const options: fc.Arbitrary<ScgiDecoderOptions> = fc.record({
  mode: fc.constantFrom('lenient' as const, 'strict' as const),
  maxHeaderBytes: fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 400 })),
});

/** Cut points as fractions of the length, so one arbitrary fits any stream. */
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });
const cutStream = (stream: Buffer, fractions: readonly number[]): Buffer[] =>
  splitAt(stream, fractions.map((f) => Math.floor(f * stream.length)));

/** A valid request as the encoder writes it, with a body and maybe bytes after it. */
const validStream = fc
  .tuple(fc.oneof(headerList, uniqueHeaderList), body, fc.uint8Array({ maxLength: 20 }))
  .map(([pairs, bytes, trailing]) => Buffer.concat([encodeScgiRequest(pairs, bytes.length), bytes, trailing]));

type Mutation = { kind: 'flip' | 'insert' | 'delete'; at: number; bytes: Uint8Array };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('flip' as const, 'insert' as const, 'delete' as const),
  at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }),
});

function mutate(stream: Buffer, mutations: readonly Mutation[]): Buffer {
  let out = Buffer.from(stream);
  for (const m of mutations) {
    const at = Math.floor(m.at * out.length);
    if (m.kind === 'flip' && out.length > 0) out[at] = (out[at] as number) ^ ((m.bytes[0] as number) || 1);
    else if (m.kind === 'insert') out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
    else out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.bytes.length)]);
  }
  return out;
}

/** Any input at all: raw bytes, digit-heavy bytes, or a mutated valid request. */
const anyStream = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.array(fc.constantFrom(...Buffer.from('0123456789:,\0CONTENT_LENGTHSCGI1')), { maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.tuple(validStream, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([s, ms]) => mutate(s, ms)),
);

/**
 * Feeds `chunks` while watching the decoder's contract: no exception out of push/end, at most one
 * onError with an SCGI_ERR_ GatewayError, nothing after it, and never more than maxHeaderBytes
 * plus one chunk held.
 */
function checkContract(chunks: readonly Buffer[], opts: ScgiDecoderOptions): DecoderEvent[] {
  const events: DecoderEvent[] = [];
  const limit = opts.maxHeaderBytes ?? 65536;
  const decoder: ScgiRequestDecoder = new ScgiRequestDecoder(
    {
      onHeaders: (headers, contentLength) =>
        events.push({ type: 'headers', pairs: headers.toArray(), contentLength, scgiMarkerMissing: decoder.scgiMarkerMissing }),
      onBody: (chunk) => events.push({ type: 'body', hex: chunk.toString('hex') }),
      onBodyEnd: () => events.push({ type: 'bodyEnd' }),
      onError: (err) => {
        if (!(err instanceof GatewayError) || !err.code.startsWith('SCGI_ERR_')) throw new Error(`unexpected error ${String(err)}`);
        events.push({ type: 'error', code: err.code, offset: err.offset, kind: err.constructor.name });
      },
    },
    opts,
  );
  for (const chunk of chunks) {
    decoder.push(chunk);
    if (decoder.bufferedBytes > limit + chunk.length) throw new Error(`holds ${decoder.bufferedBytes} bytes, limit ${limit}`);
  }
  decoder.end();
  const errorAt = events.findIndex((e) => e.type === 'error');
  if (errorAt !== -1 && errorAt !== events.length - 1) throw new Error('events after onError');
  if (decoder.failed !== (errorAt !== -1)) throw new Error('failed flag disagrees with onError');
  return events;
}

describe('scgi fuzz', () => {
  it('round trip: decode(encode(headers) + body) gives back headers and body', () => {
    fuzz('round trip', fc.tuple(fc.oneof(headerList, uniqueHeaderList), body), ([pairs, bytes]) => {
      const request = Buffer.concat([encodeScgiRequest(pairs, bytes.length), bytes]);
      const run = runDecoder([request]);
      const decoded = mergeBody(run.events);
      expect(decoded[0]).toEqual({
        type: 'headers',
        pairs: [['CONTENT_LENGTH', String(bytes.length)], ['SCGI', '1'], ...pairs],
        contentLength: bytes.length,
        scgiMarkerMissing: false,
      });
      const got = decoded.filter((e) => e.type === 'body').map((e) => (e.type === 'body' ? e.hex : ''));
      expect(got.join('')).toBe(Buffer.from(bytes).toString('hex'));
      expect(decoded.at(-1)).toEqual({ type: 'bodyEnd' });
    });
  });

  it('chunking invariance: any split of a valid stream gives the events of one push', () => {
    fuzz('chunking invariance', fc.tuple(validStream, cuts, options), ([stream, fractions, opts]) => {
      const whole = runDecoder([stream], opts);
      const split = runDecoder(cutStream(stream, fractions), opts);
      expect(mergeBody(split.events)).toEqual(mergeBody(whole.events));
      expect(split.decoder.extraBytes).toBe(whole.decoder.extraBytes);
    });
  });

  it('arbitrary and mutated bytes: no throw, only SCGI_ERR_ errors, bounded buffering, chunking-invariant', () => {
    fuzz('arbitrary/mutated bytes', fc.tuple(anyStream, cuts, options), ([stream, fractions, opts]) => {
      const whole = checkContract([stream], opts);
      const split = checkContract(cutStream(stream, fractions), opts);
      expect(mergeBody(split)).toEqual(mergeBody(whole));
    });
  });
});
