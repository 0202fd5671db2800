import { ByteBuilder, bytewise, everySplit, fcgiPair, fcgiRecord, isolate } from '@gw/test-utils';
import { describe, expect, it } from 'vitest';
import { ProtocolStatus, RecordType, Role } from '../src/index.js';
import { decode } from './event-log.js';

const T = RecordType;
const begin = (id: number, role = 1, flags = 1) => fcgiRecord(T.BEGIN_REQUEST, id, Buffer.from([role >> 8, role & 0xff, flags, 0, 0, 0, 0, 0]));

/** A Responder request as nginx sends it: BEGIN, one padded PARAMS record, terminators, a body. */
function nginxLikeRequest(): Buffer {
  const params = Buffer.concat([fcgiPair('REQUEST_METHOD', 'POST'), fcgiPair('REQUEST_URI', '/x?y=1'), fcgiPair('CONTENT_LENGTH', '5')]);
  const pad = (8 - (params.length % 8)) % 8;
  return Buffer.concat([
    begin(1, Role.RESPONDER, 0),
    fcgiRecord(T.PARAMS, 1, params, pad),
    fcgiRecord(T.PARAMS, 1),
    fcgiRecord(T.STDIN, 1, 'hello', 3),
    fcgiRecord(T.STDIN, 1),
  ]);
}

describe('RecordDecoder: records', () => {
  it('decodes a whole Responder request', () => {
    const { events, error } = decode([nginxLikeRequest()], undefined, false);
    expect(error).toBeUndefined();
    expect(events).toEqual([
      ['begin', 1, 1, 0],
      [
        'params',
        1,
        [
          ['REQUEST_METHOD', 'POST'],
          ['REQUEST_URI', '/x?y=1'],
          ['CONTENT_LENGTH', '5'],
        ],
      ],
      ['stream', 1, T.STDIN, Buffer.from('hello').toString('hex')],
      ['streamEnd', 1, T.STDIN],
    ]);
  });

  it('reports every header with its absolute offset', () => {
    const bytes = nginxLikeRequest();
    const records = decode([bytes]).events.filter((e) => e[0] === 'record');
    expect(records.map((r) => r[2])).toEqual([0, 16, 16 + 8 + 56, 16 + 8 + 56 + 8, 16 + 8 + 56 + 8 + 16]);
    expect(records[1]?.[1]).toEqual({ version: 1, type: T.PARAMS, requestId: 1, contentLength: 56, paddingLength: 0 });
  });

  it('gives the same events for every split point and byte by byte', () => {
    const bytes = nginxLikeRequest();
    const whole = decode([bytes]).events;
    for (const chunks of everySplit(bytes)) expect(decode(isolate(chunks)).events).toEqual(whole);
    expect(decode(isolate(bytewise(bytes))).events).toEqual(whole);
  });

  it('hands stream payloads out as views of the pushed chunk', () => {
    const bytes = nginxLikeRequest();
    const { pieces } = decode([bytes]);
    expect(pieces).toHaveLength(1);
    expect(pieces[0]?.buffer).toBe(bytes.buffer);
  });

  it('splits a stream record across chunks into views, never copies', () => {
    const body = Buffer.alloc(1000, 7);
    const bytes = Buffer.concat([fcgiRecord(T.STDOUT, 3, body), fcgiRecord(T.STDOUT, 3)]);
    const chunks = isolate([bytes.subarray(0, 300), bytes.subarray(300, 700), bytes.subarray(700)]);
    const { pieces, events } = decode(chunks, undefined, false);
    expect(pieces.map((p) => p.length)).toEqual([292, 400, 308]);
    pieces.forEach((p, i) => expect(p.buffer).toBe(chunks[i]?.buffer));
    expect(events.at(-1)).toEqual(['streamEnd', 3, T.STDOUT]);
  });

  it('decodes END_REQUEST, ABORT_REQUEST, UNKNOWN_TYPE and the other streams', () => {
    const bytes = new ByteBuilder()
      .hex('01 03 00 01 00 08 00 00  00 00 03 aa 00 00 00 00') // END_REQUEST id 1, appStatus 938
      .hex('01 02 00 02 00 00 00 00') // ABORT_REQUEST id 2
      .hex('01 0b 00 00 00 08 00 00  0c 00 00 00 00 00 00 00') // UNKNOWN_TYPE for type 12
      .bytes(fcgiRecord(T.STDERR, 4, 'oops'))
      .bytes(fcgiRecord(T.STDERR, 4))
      .bytes(fcgiRecord(T.DATA, 4, 'd'))
      .build();
    expect(decode([bytes], undefined, false).events).toEqual([
      ['end', 1, 938, ProtocolStatus.REQUEST_COMPLETE],
      ['abort', 2],
      ['unknownType', 12],
      ['stream', 4, T.STDERR, Buffer.from('oops').toString('hex')],
      ['streamEnd', 4, T.STDERR],
      ['stream', 4, T.DATA, '64'],
    ]);
  });

  it('reads appStatus as an unsigned 32-bit value', () => {
    const bytes = new ByteBuilder().hex('01 03 00 01 00 08 00 00  ff ff ff ff 03 00 00 00').build();
    expect(decode([bytes], undefined, false).events).toEqual([['end', 1, 0xffffffff, ProtocolStatus.UNKNOWN_ROLE]]);
  });

  it.each([0, 7, 255])('skips %i padding bytes whatever they contain', (pad) => {
    const rec = fcgiRecord(T.STDIN, 1, 'a', pad);
    rec.fill(0xff, 9); // non-zero padding bytes are meaningless (spec §3.3)
    const bytes = Buffer.concat([rec, fcgiRecord(T.STDIN, 1, '', pad)]);
    for (const chunks of [[bytes], bytewise(bytes)]) {
      expect(decode(chunks, undefined, false).events).toEqual([
        ['stream', 1, T.STDIN, '61'],
        ['streamEnd', 1, T.STDIN],
      ]);
    }
  });

  it('accepts contentLength 65535 with padding 1 (spec-legal, php-fpm refuses it)', () => {
    const bytes = fcgiRecord(T.STDIN, 1, Buffer.alloc(65535, 1), 1);
    const { events, error } = decode([bytes], undefined, false);
    expect(error).toBeUndefined();
    expect(events).toHaveLength(1);
    expect((events[0] as [string, number, number, string])[3].length).toBe(65535 * 2);
  });

  it('supports request id 65535', () => {
    expect(decode([begin(65535)], undefined, false).events).toEqual([['begin', 65535, 1, 1]]);
  });

  it('passes reserved flag bits through for the connection to interpret', () => {
    expect(decode([begin(1, 1, 0xfe)], undefined, false).events).toEqual([['begin', 1, 1, 0xfe]]);
  });

  it.each([0, 12, 255])('reports unknown type %i without failing, on id 0 and id 1', (type) => {
    const bytes = Buffer.concat([fcgiRecord(type, 0, 'abc', 5), fcgiRecord(type, 1), begin(1)]);
    const { events, error } = decode([bytes], undefined, false);
    expect(error).toBeUndefined();
    expect(events).toEqual([['unknownRecord', type, 0, '616263'], ['unknownRecord', type, 1, ''], ['begin', 1, 1, 1]]);
  });

  it('interleaves two multiplexed requests record by record (spec Appendix B example 4)', () => {
    const bytes = Buffer.concat([
      begin(1),
      fcgiRecord(T.PARAMS, 1, fcgiPair('A', '1')),
      begin(2),
      fcgiRecord(T.PARAMS, 2, fcgiPair('A', '2')),
      fcgiRecord(T.PARAMS, 1),
      fcgiRecord(T.PARAMS, 2),
      fcgiRecord(T.STDIN, 2),
      fcgiRecord(T.STDIN, 1),
    ]);
    expect(decode([bytes], undefined, false).events).toEqual([
      ['begin', 1, 1, 1],
      ['begin', 2, 1, 1],
      ['params', 1, [['A', '1']]],
      ['params', 2, [['A', '2']]],
      ['streamEnd', 2, T.STDIN],
      ['streamEnd', 1, T.STDIN],
    ]);
  });

  it('decodes GET_VALUES and an empty GET_VALUES_RESULT', () => {
    const names = Buffer.concat([fcgiPair('FCGI_MAX_CONNS', ''), fcgiPair('FCGI_MAX_REQS', ''), fcgiPair('FCGI_MPXS_CONNS', '')]);
    const bytes = Buffer.concat([fcgiRecord(T.GET_VALUES, 0, names), fcgiRecord(T.GET_VALUES_RESULT, 0)]);
    expect(decode([bytes], undefined, false).events).toEqual([
      [
        'getValues',
        [
          ['FCGI_MAX_CONNS', ''],
          ['FCGI_MAX_REQS', ''],
          ['FCGI_MPXS_CONNS', ''],
        ],
      ],
      ['getValuesResult', []],
    ]);
  });

  it("decodes php-fpm's GET_VALUES_RESULT (18 content + 6 padding)", () => {
    const bytes = new ByteBuilder().hex('01 0a 00 00 00 12 06 00').hex('0f 01').str('FCGI_MPXS_CONNS0').fill(6).build();
    expect(decode([bytes], undefined, false).events).toEqual([['getValuesResult', [['FCGI_MPXS_CONNS', '0']]]]);
  });
});

describe('RecordDecoder: errors', () => {
  it.each([0, 2])('rejects version %i at the version byte', (version) => {
    const bytes = Buffer.concat([begin(1), fcgiRecord(T.STDIN, 1, '', 0, version)]);
    const { error } = decode([bytes]);
    expect(error?.code).toBe('FCGI_ERR_UNSUPPORTED_VERSION');
    expect(error?.offset).toBe(16);
  });

  it('accepts versions above 1 with lenientVersion, never 0', () => {
    expect(decode([fcgiRecord(T.STDIN, 1, '', 0, 2)], { lenientVersion: true }).error).toBeUndefined();
    expect(decode([fcgiRecord(T.STDIN, 1, '', 0, 0)], { lenientVersion: true }).error?.code).toBe('FCGI_ERR_UNSUPPORTED_VERSION');
  });

  it.each([7, 9])('rejects a BEGIN_REQUEST of %i bytes at the length field', (len) => {
    const { error } = decode([fcgiRecord(T.BEGIN_REQUEST, 1, Buffer.alloc(len))]);
    expect(error?.code).toBe('FCGI_ERR_BAD_BODY_LENGTH');
    expect(error?.offset).toBe(4);
  });

  it('rejects END_REQUEST and UNKNOWN_TYPE bodies that are not 8 bytes', () => {
    expect(decode([fcgiRecord(T.END_REQUEST, 1, Buffer.alloc(4))]).error?.code).toBe('FCGI_ERR_BAD_BODY_LENGTH');
    expect(decode([fcgiRecord(T.UNKNOWN_TYPE, 0, Buffer.alloc(0))]).error?.code).toBe('FCGI_ERR_BAD_BODY_LENGTH');
  });

  it.each([
    ['BEGIN_REQUEST on id 0', fcgiRecord(T.BEGIN_REQUEST, 0, Buffer.alloc(8))],
    ['PARAMS on id 0', fcgiRecord(T.PARAMS, 0)],
    ['STDIN on id 0', fcgiRecord(T.STDIN, 0, 'x')],
    ['ABORT_REQUEST on id 0', fcgiRecord(T.ABORT_REQUEST, 0)],
    ['GET_VALUES on id 3', fcgiRecord(T.GET_VALUES, 3)],
    ['UNKNOWN_TYPE on id 1', fcgiRecord(T.UNKNOWN_TYPE, 1, Buffer.alloc(8))],
  ])('rejects %s at the request id field', (_name, bytes) => {
    const { error } = decode([bytes]);
    expect(error?.code).toBe('FCGI_ERR_BAD_REQUEST_ID');
    expect(error?.offset).toBe(2);
  });

  it('reports a record cut short by the end of the stream', () => {
    const bytes = nginxLikeRequest();
    for (const cut of [3, 8, 20, bytes.length - 4]) {
      const { error } = decode([bytes.subarray(0, cut)]);
      expect(error?.code).toBe('FCGI_ERR_TRUNCATED_RECORD');
      expect(error?.offset).toBe(cut);
    }
    expect(decode([bytes]).error).toBeUndefined();
  });

  it('is dead after an error: later input is ignored, onError runs once', () => {
    const bytes = Buffer.concat([fcgiRecord(T.STDIN, 1, '', 0, 9), begin(1), begin(2)]);
    const { events, decoder } = decode([bytes.subarray(0, 5), bytes.subarray(5), begin(3)]);
    expect(events.filter((e) => e[0] !== 'record')).toEqual([['error', 'FCGI_ERR_UNSUPPORTED_VERSION', 0]]);
    expect(decoder.failed).toBe(true);
    expect(decoder.bytesReceived).toBe(bytes.length + 16);
  });
});
