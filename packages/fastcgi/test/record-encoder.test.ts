import { ParamList } from '@gw/core';
import { ByteBuilder, fcgiPair, fcgiRecord } from '@gw/test-utils';
import { describe, expect, it } from 'vitest';
import {
  encodeAbortRequest,
  encodeBeginRequest,
  encodeEndRequest,
  encodeGetValues,
  encodeGetValuesResult,
  encodePairs,
  encodeParams,
  encodeStream,
  encodeStreamEnd,
  encodeUnknownType,
  frameStream,
  measureStream,
  ProtocolStatus,
  RecordType,
  Role,
} from '../src/index.js';
import { decode } from './event-log.js';

const T = RecordType;
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('discrete records (canonical bytes, protocols.md §1.10)', () => {
  it('BEGIN_REQUEST with and without KEEP_CONN', () => {
    expect(encodeBeginRequest(1, Role.RESPONDER, true)).toEqual(hex('01 01 00 01 00 08 00 00  00 01 01 00 00 00 00 00'));
    expect(encodeBeginRequest(1, Role.RESPONDER, false)).toEqual(hex('01 01 00 01 00 08 00 00  00 01 00 00 00 00 00 00'));
    expect(encodeBeginRequest(0x1234, Role.FILTER, false)).toEqual(hex('01 01 12 34 00 08 00 00  00 03 00 00 00 00 00 00'));
  });

  it('END_REQUEST, ABORT_REQUEST, UNKNOWN_TYPE and terminators', () => {
    expect(encodeEndRequest(1, 938, ProtocolStatus.REQUEST_COMPLETE)).toEqual(hex('01 03 00 01 00 08 00 00  00 00 03 aa 00 00 00 00'));
    expect(encodeEndRequest(2, -1, ProtocolStatus.OVERLOADED)).toEqual(hex('01 03 00 02 00 08 00 00  ff ff ff ff 02 00 00 00'));
    expect(encodeAbortRequest(7)).toEqual(hex('01 02 00 07 00 00 00 00'));
    expect(encodeUnknownType(12)).toEqual(hex('01 0b 00 00 00 08 00 00  0c 00 00 00 00 00 00 00'));
    expect(encodeStreamEnd(T.PARAMS, 1)).toEqual(hex('01 04 00 01 00 00 00 00'));
    expect(encodeStreamEnd(T.STDIN, 1)).toEqual(hex('01 05 00 01 00 00 00 00'));
    expect(encodeStreamEnd(T.STDOUT, 300)).toEqual(hex('01 06 01 2c 00 00 00 00'));
  });

  it('prebuilds the id-1 terminators', () => {
    expect(encodeStreamEnd(T.STDOUT, 1)).toBe(encodeStreamEnd(T.STDOUT, 1));
  });

  it.each([0, 65536, 1.5, -1])('rejects request id %s', (id) => {
    expect(() => encodeBeginRequest(id, 1, false)).toThrowError(expect.objectContaining({ code: 'FCGI_ERR_INVALID_ARGUMENT' }));
  });
});

describe('name-value encoding', () => {
  it('uses a 1-byte length iff ≤ 127', () => {
    expect(encodePairs([['SERVER_PORT', '80']])).toEqual(fcgiPair('SERVER_PORT', '80'));
    const n128 = 'x'.repeat(128);
    expect(encodePairs([[n128, 'v']]).subarray(0, 5)).toEqual(hex('80 00 00 80 01'));
    expect(encodePairs([['X', 'y'.repeat(300)]]).subarray(0, 6)).toEqual(hex('01 80 00 01 2c 58'));
    expect(encodePairs([['N'.repeat(127), '']])[0]).toBe(127);
  });

  it('encodes PARAMS padded to 8 with the terminator (canonical SERVER_PORT example)', () => {
    expect(encodeParams(1, [['SERVER_PORT', '80']])).toEqual(
      Buffer.concat([hex('01 04 00 01 00 0f 01 00  0b 02'), Buffer.from('SERVER_PORT80'), hex('00'), hex('01 04 00 01 00 00 00 00')]),
    );
  });

  it('accepts a ParamList and bytes', () => {
    const list = ParamList.from([['A', Buffer.from([0xff, 0x00])]]);
    expect(encodePairs(list)).toEqual(fcgiPair('A', Buffer.from([0xff, 0x00])));
    expect(encodePairs([[Buffer.from('B'), new Uint8Array([1])]])).toEqual(fcgiPair('B', Buffer.from([1])));
  });

  it('rejects characters above U+00FF', () => {
    expect(() => encodePairs([['A', 'é€']])).toThrowError(expect.objectContaining({ code: 'GW_ERR_NOT_LATIN1' }));
    expect(encodePairs([['A', 'é']])).toEqual(fcgiPair('A', Buffer.from([0xe9])));
  });

  it('never splits a pair across PARAMS records and keeps content + padding ≤ 65535', () => {
    const pairs: [string, string][] = [];
    for (let i = 0; i < 40; i++) pairs.push([`HTTP_X_${i}`, 'v'.repeat(3000 + i)]);
    const bytes = encodeParams(9, pairs);
    const records = decode([bytes]).events.filter((e) => e[0] === 'record').map((e) => e[1] as { contentLength: number; paddingLength: number });
    expect(records.length).toBeGreaterThan(2);
    for (const r of records) {
      expect(r.contentLength + r.paddingLength).toBeLessThanOrEqual(65535);
      expect((r.contentLength + r.paddingLength) % 8).toBe(0);
    }
    // Each record decodes on its own (what php-fpm does): no pair is cut.
    let at = 0;
    let seen = 0;
    for (const r of records.slice(0, -1)) {
      const alone = Buffer.concat([bytes.subarray(at, at + 8 + r.contentLength + r.paddingLength), encodeStreamEnd(T.PARAMS, 9)]);
      const d = decode([alone], undefined, false);
      expect(d.error).toBeUndefined();
      seen += (d.events[0]?.[2] as unknown[]).length;
      at += 8 + r.contentLength + r.paddingLength;
    }
    expect(seen).toBe(40);
    expect(decode([bytes], undefined, false).events).toEqual([['params', 9, pairs]]);
  });

  it('honours maxRecordContent and reports a pair too large for one record', () => {
    const bytes = encodeParams(1, [['A', 'x'.repeat(20)], ['B', 'y'.repeat(20)]], { maxRecordContent: 24 });
    expect(decode([bytes]).events.filter((e) => e[0] === 'record')).toHaveLength(3);
    expect(() => encodeParams(1, [['A', 'x'.repeat(70000)]])).toThrowError(expect.objectContaining({ code: 'FCGI_ERR_PAIR_TOO_LARGE' }));
    expect(encodeParams(1, [['A', '1']], { terminate: false })).toHaveLength(16);
  });

  it('encodes GET_VALUES and GET_VALUES_RESULT on id 0', () => {
    const q = encodeGetValues(['FCGI_MAX_CONNS', 'FCGI_MAX_REQS', 'FCGI_MPXS_CONNS']);
    expect(q.subarray(0, 8)).toEqual(hex('01 09 00 00 00 30 00 00'));
    expect(q.subarray(8, 10)).toEqual(hex('0e 00'));
    const r = encodeGetValuesResult([['FCGI_MPXS_CONNS', '0']]);
    expect(r).toEqual(new ByteBuilder().hex('01 0a 00 00 00 12 06 00 0f 01').str('FCGI_MPXS_CONNS0').fill(6).build());
  });
});

describe('stream framing', () => {
  it('frames without copying: header, payload view, padding', () => {
    const payload = Buffer.from('hello');
    const parts = frameStream(T.STDOUT, 1, payload);
    expect(parts).toHaveLength(3);
    expect(parts[0]).toEqual(hex('01 06 00 01 00 05 03 00'));
    expect(parts[1]?.buffer).toBe(payload.buffer);
    expect(parts[2]).toEqual(Buffer.alloc(3));
    expect(Buffer.concat(parts)).toEqual(fcgiRecord(T.STDOUT, 1, 'hello', 3));
    expect(frameStream(T.STDOUT, 1, Buffer.alloc(0))).toEqual([]);
  });

  it('splits a 200 000-byte payload into aligned records of ≤ 65528 bytes', () => {
    const payload = Buffer.alloc(200_000);
    for (let i = 0; i < payload.length; i++) payload[i] = i & 0xff;
    const parts = frameStream(T.STDOUT, 2, payload);
    const joined = Buffer.concat(parts);
    expect(joined.length).toBe(measureStream(payload.length));
    expect(encodeStream(T.STDOUT, 2, payload)).toEqual(joined);
    const d = decode([joined]);
    const sizes = d.events.filter((e) => e[0] === 'record').map((e) => (e[1] as { contentLength: number }).contentLength);
    expect(sizes).toEqual([65528, 65528, 65528, 3416]);
    expect(Buffer.concat(d.pieces)).toEqual(payload);
    expect(joined.length % 8).toBe(0);
  }, 30_000);

  it('encodeStream can append the terminator', () => {
    expect(encodeStream(T.STDERR, 1, Buffer.from('x'), true)).toEqual(Buffer.concat([fcgiRecord(T.STDERR, 1, 'x', 7), fcgiRecord(T.STDERR, 1)]));
  });
});
