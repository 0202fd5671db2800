import { GatewayError } from '@gw/core';
import { splitAt } from '@gw/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordDecoder, type RecordDecoderOptions } from '../src/index.js';
import { cutsFor, validStream } from '../test/arbitraries.js';
import { decode } from '../test/event-log.js';

// Time-boxed: a few seconds per property in CI, longer with GW_FUZZ_SECONDS.
const seconds = Number(process.env.GW_FUZZ_SECONDS ?? 3);
const budget = { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false };
const limits: RecordDecoderOptions = { maxParamsBytes: 4096, maxParamsPairs: 64, maxNameLength: 512, maxValueLength: 2048, maxOpenParamsStreams: 8 };

/**
 * Runs the decoder over chunks and checks the contract: nothing thrown, at most one error and
 * only a FastCGI GatewayError, no params list over the byte limit.
 */
function check(chunks: Buffer[]): void {
  let errors = 0;
  const decoder = new RecordDecoder(
    {
      onParams: (_id, params) => expect(params.byteLength).toBeLessThanOrEqual(limits.maxParamsBytes as number),
      onError: (err) => {
        errors++;
        expect(err).toBeInstanceOf(GatewayError);
        expect(err.code).toMatch(/^FCGI_ERR_/);
      },
    },
    limits,
  );
  for (const c of chunks) decoder.push(c);
  decoder.end();
  expect(errors).toBeLessThanOrEqual(1);
  expect(decoder.openParamsStreams).toBeLessThanOrEqual(limits.maxOpenParamsStreams as number);
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), value: fc.constant(0) }),
);

function mutate(bytes: Buffer, ms: { kind: 'flip' | 'insert' | 'delete'; at: number; value: number }[]): Buffer {
  let b = Buffer.from(bytes);
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === 'flip') b[at] = m.value;
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([m.value]), b.subarray(at)]);
    else b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
  }
  return b;
}

describe('RecordDecoder fuzzing', () => {
  it('arbitrary bytes only ever produce typed errors', () => {
    let n = 0;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.array(fc.nat(2048), { maxLength: 6 }), (bytes, cuts) => {
        n++;
        check(splitAt(Buffer.from(bytes), cuts));
      }),
      budget,
    );
    console.log(`fastcgi fuzz: arbitrary bytes, ${n} runs`);
  });

  it('mutated valid streams only ever produce typed errors', () => {
    let n = 0;
    fc.assert(
      fc.property(validStream, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(4096), { maxLength: 6 }), (bytes, ms, cuts) => {
        n++;
        check(splitAt(mutate(bytes, ms), cuts));
      }),
      budget,
    );
    console.log(`fastcgi fuzz: mutated streams, ${n} runs`);
  });

  it('random splits of valid streams give the same events', () => {
    let n = 0;
    fc.assert(
      fc.property(
        validStream.chain((bytes) => fc.tuple(fc.constant(bytes), cutsFor(bytes.length))),
        ([bytes, cuts]) => {
          n++;
          expect(decode(splitAt(bytes, cuts)).events).toEqual(decode([bytes]).events);
        },
      ),
      budget,
    );
    console.log(`fastcgi fuzz: split invariance, ${n} runs`);
  });
});
