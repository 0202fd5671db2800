import { splitAt } from '@gw/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePairs, encodeParams, RecordType } from '../src/index.js';
import { cutsFor, pairList, validStream } from './arbitraries.js';
import { decode } from './event-log.js';

// Quick, deterministic-size property runs; the time-boxed fuzzing lives in fuzz/.
const runs = { numRuns: 200 };

describe('FastCGI codec properties', () => {
  it('decode(encodeParams(pairs)) gives the pairs back', () => {
    fc.assert(
      fc.property(pairList, fc.integer({ min: 1, max: 65535 }), (pairs, id) => {
        const { events, error } = decode([encodeParams(id, pairs)], undefined, false);
        expect(error).toBeUndefined();
        expect(events).toEqual([['params', id, pairs]]);
      }),
      runs,
    );
  });

  it('encodePairs output re-decodes as one GET_VALUES body', () => {
    fc.assert(
      fc.property(pairList, (pairs) => {
        const body = encodePairs(pairs);
        fc.pre(body.length <= 65535);
        const record = Buffer.concat([Buffer.from([1, RecordType.GET_VALUES, 0, 0, body.length >> 8, body.length & 0xff, 0, 0]), body]);
        expect(decode([record], undefined, false).events).toEqual([['getValues', pairs]]);
      }),
      runs,
    );
  });

  it('any split of a valid stream gives the same events', () => {
    fc.assert(
      fc.property(
        validStream.chain((bytes) => fc.tuple(fc.constant(bytes), cutsFor(bytes.length))),
        ([bytes, cuts]) => {
          const whole = decode([bytes]);
          expect(whole.error).toBeUndefined();
          expect(decode(splitAt(bytes, cuts)).events).toEqual(whole.events);
        },
      ),
      runs,
    );
  });
});
