/**
 * Time-boxed fast-check fuzzing of the uwsgi codec. Budget per property: GW_FUZZ_SECONDS (default 3).
 * Not coverage-guided, so structured generators (valid and mutated requests) are mixed with raw bytes.
 */
import { GatewayError, LimitError, ProtocolError } from '@gw/core';
import { isolate, splitAt } from '@gw/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeUwsgiRequest, HEADER_LENGTH, UWSGI_DECODER_LIMITS, type UwsgiDecoderOptions, UwsgiErrorCode } from '../src/index.js';
import { arbitraryBytes, cuts, decoderOptions, mutatedRequest, oddBodyRequest, request, wireRequest } from '../test/support/arbitraries.js';
import { type DecodeRun, decodeChunks } from '../test/support/record-events.js';

const seconds = Number(process.env.GW_FUZZ_SECONDS ?? 3);
const budget = { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false };
const KNOWN_CODES = new Set<string>(Object.values(UwsgiErrorCode));

/** Event sequences a decoder may produce for a stream that was end()ed. */
const WELL_FORMED = new Set(['', 'error', 'request,bodyEnd', 'request,body,bodyEnd', 'request,error', 'request,body,error']);

/** Runs a property for the time budget, then logs how many inputs it saw. */
function runFor<Ts>(name: string, prop: fc.IRawProperty<Ts>, count: () => number): void {
  fc.assert(prop, budget);
  console.log(`uwsgi fuzz: ${name}: ${count()} runs in ${seconds}s`);
}

/** What must hold for any input at all, valid or not. */
function checkInvariants(run: DecodeRun, input: Buffer, options: UwsgiDecoderOptions | undefined): void {
  const maxVarsBytes = options?.maxVarsBytes ?? UWSGI_DECODER_LIMITS.maxVarsBytes.default;
  expect(WELL_FORMED.has(run.outcome.events.join(','))).toBe(true);
  expect(run.errors.length).toBeLessThanOrEqual(1);
  const err = run.errors[0];
  if (err !== undefined) {
    expect(err).toBeInstanceOf(GatewayError);
    expect(err instanceof ProtocolError || err instanceof LimitError).toBe(true);
    expect(KNOWN_CODES.has(err.code)).toBe(true);
    expect(err.offset).toBeGreaterThanOrEqual(0);
    // Offsets are absolute and point into what was pushed; pushes after the error are not counted.
    expect(err.offset).toBeLessThanOrEqual(run.decoder.bytesReceived);
    expect(run.decoder.bytesReceived).toBeLessThanOrEqual(input.length);
    expect(run.decoder.failed).toBe(true);
  } else {
    expect(run.decoder.bytesReceived).toBe(input.length);
  }
  // The decoder's own copies stay within the vars limit (a partial header is at most 3 bytes):
  // with the chunk being pushed, that is at most maxVarsBytes + one chunk in memory.
  expect(run.maxBuffered).toBeLessThanOrEqual(Math.max(maxVarsBytes, HEADER_LENGTH - 1));
  const request = run.outcome.request;
  if (run.outcome.events.includes('bodyEnd') && request !== null) {
    expect(run.outcome.body.length / 2).toBe(request.contentLength);
    expect(run.outcome.extraBytes).toBeLessThanOrEqual(input.length);
  }
}

describe('uwsgi fuzz', () => {
  it('round trip: decode(encode(vars) + body) gives back every byte', () => {
    let runs = 0;
    const prop = fc.property(request, (r) => {
      runs++;
      const wire = Buffer.concat([encodeUwsgiRequest(r.vars, r), r.body]);
      const run = decodeChunks([wire], { maxVarsBytes: 65535 });
      expect(run.outcome.error).toBeNull();
      expect(run.outcome.request?.modifier1).toBe(r.modifier1);
      expect(run.outcome.request?.modifier2).toBe(r.modifier2);
      const vars = run.vars;
      expect(vars?.length).toBe(r.vars.length);
      r.vars.forEach(([k, v], i) => {
        expect(vars?.nameBytes(i).equals(k)).toBe(true);
        expect(vars?.valueBytes(i).equals(v)).toBe(true);
      });
      expect(run.outcome.body).toBe(r.body.toString('hex'));
    });
    runFor('round trip', prop, () => runs);
  });

  it('chunking invariance: random splits give the same events as one push', () => {
    let runs = 0;
    const input = fc.oneof(wireRequest, mutatedRequest, oddBodyRequest, arbitraryBytes);
    const prop = fc.property(
      input.chain((bytes) => fc.tuple(fc.constant(bytes), cuts(bytes.length), decoderOptions)),
      fc.boolean(),
      ([bytes, at, options], callEnd) => {
        runs++;
        const whole = decodeChunks([bytes], options, callEnd).outcome;
        expect(decodeChunks(isolate(splitAt(bytes, at)), options, callEnd).outcome).toEqual(whole);
      },
    );
    runFor('chunking invariance', prop, () => runs);
  });

  it('arbitrary bytes never throw: only onError with a UWSGI_ERR_* GatewayError, bounded buffering', () => {
    let runs = 0;
    const prop = fc.property(
      arbitraryBytes.chain((bytes) => fc.tuple(fc.constant(bytes), cuts(bytes.length), decoderOptions)),
      ([bytes, at, options]) => {
        runs++;
        checkInvariants(decodeChunks(splitAt(bytes, at), options), bytes, options);
      },
    );
    runFor('arbitrary bytes', prop, () => runs);
  });

  it('mutated requests (bytes, CONTENT_LENGTH, body length) never throw: only onError with a UWSGI_ERR_* GatewayError, bounded buffering', () => {
    let runs = 0;
    const prop = fc.property(
      fc.oneof(mutatedRequest, oddBodyRequest).chain((bytes) => fc.tuple(fc.constant(bytes), cuts(bytes.length), decoderOptions)),
      ([bytes, at, options]) => {
        runs++;
        checkInvariants(decodeChunks(splitAt(bytes, at), options), bytes, options);
      },
    );
    runFor('mutated requests', prop, () => runs);
  });
});
