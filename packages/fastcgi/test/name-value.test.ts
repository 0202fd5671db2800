import { ByteBuilder, bytewise, everySplit, fcgiPair, fcgiRecord, isolate } from '@gw/test-utils';
import { describe, expect, it } from 'vitest';
import { PairStreamParser, RecordDecoder, RecordType } from '../src/index.js';
import { decode } from './event-log.js';

const T = RecordType;
const paramsStream = (...records: Buffer[]) => Buffer.concat([...records.map((r) => fcgiRecord(T.PARAMS, 1, r)), fcgiRecord(T.PARAMS, 1)]);
const paramsOf = (bytes: Buffer[] | Buffer, options?: Parameters<typeof decode>[1]) => {
  const d = decode(Array.isArray(bytes) ? bytes : [bytes], options, false);
  return { params: d.events.find((e) => e[0] === 'params')?.[2], error: d.error };
};

describe('name-value pairs (spec §3.4)', () => {
  it('accepts a 4-byte encoding of a small length', () => {
    const bytes = paramsStream(new ByteBuilder().hex('80 00 00 05 01').str('HELLOx').build());
    expect(paramsOf(bytes).params).toEqual([['HELLO', 'x']]);
  });

  it('decodes the 127/128 boundary of the length prefix', () => {
    const n127 = 'N'.repeat(127);
    const n128 = 'M'.repeat(128);
    const pairs = Buffer.concat([fcgiPair(n127, 'a'), fcgiPair(n128, 'b'), fcgiPair('X', 'v'.repeat(300))]);
    expect(pairs[0]).toBe(127);
    expect(pairs.subarray(130, 135)).toEqual(Buffer.from([0x80, 0, 0, 0x80, 1]));
    expect(paramsOf(paramsStream(pairs)).params).toEqual([
      [n127, 'a'],
      [n128, 'b'],
      ['X', 'v'.repeat(300)],
    ]);
  });

  it('reassembles the spec example that splits SERVER_ADDR across two records', () => {
    const all = Buffer.concat([fcgiPair('SERVER_PORT', '80'), fcgiPair('SERVER_ADDR', '199.170.183.42')]);
    const cut = 2 + 11 + 2 + 2 + 3; // inside the name "SER|VER_ADDR"
    const bytes = paramsStream(all.subarray(0, cut), all.subarray(cut));
    const expected = [
      ['SERVER_PORT', '80'],
      ['SERVER_ADDR', '199.170.183.42'],
    ];
    expect(paramsOf(bytes).params).toEqual(expected);
    for (const chunks of everySplit(bytes)) expect(paramsOf(isolate(chunks)).params).toEqual(expected);
  });

  it('reassembles a pair whose 4-byte length is split across records, at every record cut', () => {
    const all = Buffer.concat([fcgiPair('A', '1'), fcgiPair('LONG', 'z'.repeat(200)), fcgiPair('B', '')]);
    for (let cut = 1; cut < all.length; cut++) {
      const bytes = paramsStream(all.subarray(0, cut), all.subarray(cut));
      expect(paramsOf(bytes).params).toEqual([
        ['A', '1'],
        ['LONG', 'z'.repeat(200)],
        ['B', ''],
      ]);
    }
    const oneBytePerRecord = paramsStream(...bytewise(all));
    expect(paramsOf(bytewise(oneBytePerRecord)).params?.length).toBe(3);
  });

  it('keeps duplicates in wire order and NUL / non-UTF-8 bytes exactly', () => {
    const weird = Buffer.from([0x00, 0xff, 0xc3, 0x28]);
    const bytes = paramsStream(Buffer.concat([fcgiPair('A', '1'), fcgiPair('A', '2'), fcgiPair('W', weird)]));
    const params = paramsOf(bytes).params as [string, string][];
    expect(params.slice(0, 2)).toEqual([
      ['A', '1'],
      ['A', '2'],
    ]);
    expect(Buffer.from(params[2]?.[1] ?? '', 'latin1')).toEqual(weird);
  });

  it('gives an empty list for a PARAMS stream that is only the terminator', () => {
    expect(paramsOf(fcgiRecord(T.PARAMS, 1)).params).toEqual([]);
  });

  it('reports a PARAMS stream that ends mid-pair, at the terminator', () => {
    const pair = fcgiPair('NAME', 'value');
    const bytes = paramsStream(pair.subarray(0, 4));
    const { error } = paramsOf(bytes);
    expect(error?.code).toBe('FCGI_ERR_TRUNCATED_PAIR');
    expect(error?.offset).toBe(8 + 4);
    expect(error?.requestId).toBe(1);
    const prefixOnly = paramsStream(Buffer.from([0x80, 0x00]));
    expect(paramsOf(prefixOnly).error?.code).toBe('FCGI_ERR_TRUNCATED_PAIR');
  });

  it('refuses a huge declared value in a tiny record without allocating it', () => {
    const bytes = paramsStream(new ByteBuilder().hex('01 ff ff ff ff').str('A').build());
    const { error } = paramsOf(bytes);
    expect(error?.code).toBe('FCGI_ERR_VALUE_TOO_LONG');
    expect(error?.offset).toBe(8);
  });

  it('reports a GET_VALUES body that ends mid-pair', () => {
    const bytes = fcgiRecord(T.GET_VALUES, 0, fcgiPair('FCGI_MAX_CONNS', '').subarray(0, 5));
    expect(decode([bytes]).error?.code).toBe('FCGI_ERR_TRUNCATED_PAIR');
  });
});

describe('name-value limits', () => {
  const pairs = Buffer.concat([fcgiPair('AAAA', '1111'), fcgiPair('BBBB', '2222'), fcgiPair('CCCC', '3333')]);

  it('checks maxParamsBytes at the record header, before the content', () => {
    const bytes = paramsStream(pairs.subarray(0, 10), pairs.subarray(10));
    const { error } = paramsOf(bytes.subarray(0, 8 + 10 + 8), { maxParamsBytes: 15 });
    expect(error?.code).toBe('FCGI_ERR_PARAMS_TOO_LARGE');
    expect(error?.offset).toBe(8 + 10 + 4);
    expect(paramsOf(bytes, { maxParamsBytes: pairs.length }).error).toBeUndefined();
  });

  it('refuses a declared pair that cannot fit maxParamsBytes before buffering it', () => {
    const big = fcgiPair('N', 'v'.repeat(100));
    const { error } = paramsOf(paramsStream(big.subarray(0, 5)), { maxParamsBytes: 50 });
    expect(error?.code).toBe('FCGI_ERR_PARAMS_TOO_LARGE');
    expect(error?.offset).toBe(8);
  });

  it('limits the number of pairs', () => {
    const { error } = paramsOf(paramsStream(pairs), { maxParamsPairs: 2 });
    expect(error?.code).toBe('FCGI_ERR_TOO_MANY_PARAMS');
    expect(error?.offset).toBe(8 + 20);
    expect(paramsOf(paramsStream(pairs), { maxParamsPairs: 3 }).error).toBeUndefined();
  });

  it('limits name and value lengths, also for straddling pairs', () => {
    expect(paramsOf(paramsStream(pairs), { maxNameLength: 3 }).error?.code).toBe('FCGI_ERR_NAME_TOO_LONG');
    expect(paramsOf(paramsStream(pairs), { maxValueLength: 3 }).error?.code).toBe('FCGI_ERR_VALUE_TOO_LONG');
    const cutInPrefix = paramsStream(pairs.subarray(0, 1), pairs.subarray(1));
    const { error } = paramsOf(cutInPrefix, { maxValueLength: 3 });
    expect(error?.code).toBe('FCGI_ERR_VALUE_TOO_LONG');
    expect(error?.offset).toBe(8);
  });

  it('limits the number of PARAMS streams open at once', () => {
    const bytes = Buffer.concat([fcgiRecord(T.PARAMS, 1, fcgiPair('A', '1')), fcgiRecord(T.PARAMS, 2, fcgiPair('A', '1'))]);
    const { error } = decode([bytes], { maxOpenParamsStreams: 1 });
    expect(error?.code).toBe('FCGI_ERR_TOO_MANY_PARAMS_STREAMS');
    expect(error?.requestId).toBe(2);
  });

  it('shares options resolved once between decoders (limits and lenientVersion alike)', () => {
    const resolved = RecordDecoder.resolveOptions({ maxParamsPairs: 2, lenientVersion: true });
    expect(Object.isFrozen(resolved) && Object.isFrozen(resolved.limits)).toBe(true);
    for (let i = 0; i < 2; i++) expect(paramsOf(paramsStream(pairs), resolved).error?.code).toBe('FCGI_ERR_TOO_MANY_PARAMS');
    const version2 = Buffer.from(fcgiRecord(T.BEGIN_REQUEST, 1, Buffer.from([0, 1, 0, 0, 0, 0, 0, 0])));
    version2[0] = 2;
    expect(decode([version2], resolved).error).toBeUndefined();
    expect(decode([version2], RecordDecoder.resolveOptions({})).error?.code).toBe('FCGI_ERR_UNSUPPORTED_VERSION');
    expect(() => RecordDecoder.resolveOptions({ maxParamsBytes: -1 })).toThrowError(expect.objectContaining({ code: 'GW_ERR_INVALID_OPTION' }));
  });

  it('an idle pair parser holds no list until begin() starts a stream', () => {
    const parser = PairStreamParser.idle({ maxParamsBytes: 1000, maxParamsPairs: 10, maxNameLength: 100, maxValueLength: 100 });
    expect(parser.params.length).toBe(0);
    expect(parser.params).not.toBe(parser.params); // a fresh empty list each read, as after release()
    parser.begin(7);
    expect(parser.feed(pairs, 0, pairs.length, 0, true)).toBeUndefined();
    expect(parser.params.toArray()).toEqual([
      ['AAAA', '1111'],
      ['BBBB', '2222'],
      ['CCCC', '3333'],
    ]);
  });

  it('rejects invalid limit options with GW_ERR_INVALID_OPTION', () => {
    expect(() => decode([], { maxParamsBytes: -1 })).toThrowError(expect.objectContaining({ code: 'GW_ERR_INVALID_OPTION' }));
  });
});
