import { inspectFastcgi, unexpectedRecordTypes } from '@gw/cli';
import { bytewise, everySplit, fcgiPair, fcgiRecord } from '@gw/test-utils';
import { describe, expect, it } from 'vitest';
import { beginBody, endBody, streamOf } from './helpers.js';

// Record types, written out so the fixtures do not depend on the code under test.
const BEGIN = 1;
const ABORT = 2;
const END = 3;
const PARAMS = 4;
const STDIN = 5;
const STDOUT = 6;
const STDERR = 7;
const GET_VALUES = 9;
const GET_VALUES_RESULT = 10;
const UNKNOWN_TYPE = 11;

const rec = (type: number, requestId: number, contentLength: number, paddingLength: number, typeName: string) => ({
  type,
  typeName,
  requestId,
  contentLength,
  paddingLength,
});

describe('inspectFastcgi: a request as a web server sends it (to-app)', () => {
  const pairs = Buffer.concat([fcgiPair('SERVER_PORT', '80'), fcgiPair('REQUEST_METHOD', 'GET'), fcgiPair('X_BYTES', '\u00e9\u00ff\u0000')]);
  // The second PARAMS record starts in the middle of a pair (spec Appendix B, example 2).
  const cut = 10;
  const bytes = Buffer.concat([
    fcgiRecord(BEGIN, 1, beginBody(1, 0)),
    fcgiRecord(PARAMS, 1, pairs.subarray(0, cut), 3),
    fcgiRecord(PARAMS, 1, pairs.subarray(cut)),
    fcgiRecord(PARAMS, 1),
    fcgiRecord(STDIN, 1, 'hello', 3),
    fcgiRecord(STDIN, 1),
  ]);
  const expected = {
    protocol: 'fastcgi',
    records: [
      rec(BEGIN, 1, 8, 0, 'BEGIN_REQUEST'),
      rec(PARAMS, 1, cut, 3, 'PARAMS'),
      rec(PARAMS, 1, pairs.length - cut, 0, 'PARAMS'),
      rec(PARAMS, 1, 0, 0, 'PARAMS'),
      rec(STDIN, 1, 5, 3, 'STDIN'),
      rec(STDIN, 1, 0, 0, 'STDIN'),
    ],
    requests: [
      {
        requestId: 1,
        role: 'RESPONDER',
        keepConn: false,
        params: [
          ['SERVER_PORT', '80'],
          ['REQUEST_METHOD', 'GET'],
          ['X_BYTES', '\u00e9\u00ff\u0000'],
        ],
        stdin: streamOf('hello', true),
        data: null,
        stdout: null,
        stderr: null,
        end: null,
      },
    ],
    management: [],
    trailingBytes: 0,
    error: null,
  };

  it('decodes the whole stream into the documented shape', () => {
    expect(inspectFastcgi([bytes])).toEqual(expected);
  });

  it('gives the same object however the bytes are chunked', () => {
    for (const chunks of everySplit(bytes)) expect(inspectFastcgi(chunks)).toEqual(expected);
    expect(inspectFastcgi(bytewise(bytes))).toEqual(expected);
  });

  it('accepts plain Uint8Array chunks', () => {
    expect(inspectFastcgi([new Uint8Array(bytes)])).toEqual(expected);
  });
});

describe('inspectFastcgi: request bookkeeping', () => {
  it('shows an app-to-server reply as requests without role, one per END_REQUEST', () => {
    const head = 'Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n';
    const bytes = Buffer.concat([
      fcgiRecord(STDOUT, 1, head),
      fcgiRecord(STDERR, 1, 'warning'),
      fcgiRecord(STDOUT, 1, 'body'),
      fcgiRecord(STDERR, 1),
      fcgiRecord(STDOUT, 1),
      fcgiRecord(END, 1, endBody(938, 0)),
      // The same id again after its END_REQUEST: a new request on a keep-conn connection.
      fcgiRecord(STDOUT, 1, 'x'),
      fcgiRecord(END, 1, endBody(0, 3)),
    ]);
    const result = inspectFastcgi([bytes]);
    expect(result.requests).toEqual([
      {
        requestId: 1,
        role: null,
        keepConn: null,
        params: null,
        stdin: null,
        data: null,
        stdout: streamOf(`${head}body`, true),
        stderr: streamOf('warning', true),
        end: { appStatus: 938, protocolStatus: 'REQUEST_COMPLETE' },
      },
      {
        requestId: 1,
        role: null,
        keepConn: null,
        params: null,
        stdin: null,
        data: null,
        stdout: streamOf('x', false),
        stderr: null,
        end: { appStatus: 0, protocolStatus: 'UNKNOWN_ROLE' },
      },
    ]);
    expect(result.error).toBeNull();
    expect(unexpectedRecordTypes(result, 'to-server')).toEqual([]);
    expect(unexpectedRecordTypes(result, 'to-app').sort()).toEqual(['END_REQUEST', 'STDERR', 'STDOUT']);
  });

  it('starts a new request at every BEGIN_REQUEST, even for an id still open (keep-conn reuse)', () => {
    const bytes = Buffer.concat([
      fcgiRecord(BEGIN, 1, beginBody(1, 1)),
      fcgiRecord(PARAMS, 1),
      fcgiRecord(STDIN, 1),
      fcgiRecord(BEGIN, 1, beginBody(2, 0xfe)), // reserved flag bits do not mean KEEP_CONN
      fcgiRecord(PARAMS, 1, fcgiPair('A', '1')),
      fcgiRecord(PARAMS, 1),
      fcgiRecord(ABORT, 1),
    ]);
    const { requests, error } = inspectFastcgi([bytes]);
    expect(error).toBeNull();
    expect(requests.map((r) => [r.requestId, r.role, r.keepConn, r.params, r.stdin])).toEqual([
      [1, 'RESPONDER', true, [], streamOf('', true)],
      [1, 'AUTHORIZER', false, [['A', '1']], null],
    ]);
  });

  it('keeps interleaved requests apart, in the order they began', () => {
    const bytes = Buffer.concat([
      fcgiRecord(BEGIN, 2, beginBody(3, 0)),
      fcgiRecord(BEGIN, 1, beginBody(1, 0)),
      fcgiRecord(PARAMS, 1, fcgiPair('ID', 'one')),
      fcgiRecord(PARAMS, 2, fcgiPair('ID', 'two')),
      fcgiRecord(PARAMS, 2),
      fcgiRecord(PARAMS, 1),
      fcgiRecord(8, 2, 'filter data'), // DATA
      fcgiRecord(STDIN, 1, 'in-1'),
    ]);
    const { requests } = inspectFastcgi([bytes]);
    expect(requests.map((r) => [r.requestId, r.role, r.params, r.stdin, r.data])).toEqual([
      [2, 'FILTER', [['ID', 'two']], null, streamOf('filter data', false)],
      [1, 'RESPONDER', [['ID', 'one']], streamOf('in-1', false), null],
    ]);
  });
});

describe('inspectFastcgi: management records', () => {
  it('lists GET_VALUES, GET_VALUES_RESULT and UNKNOWN_TYPE bodies; unknown types only as records', () => {
    const bytes = Buffer.concat([
      fcgiRecord(GET_VALUES, 0, Buffer.concat([fcgiPair('FCGI_MAX_CONNS', ''), fcgiPair('FCGI_MPXS_CONNS', '')])),
      fcgiRecord(GET_VALUES_RESULT, 0, fcgiPair('FCGI_MPXS_CONNS', '0'), 6),
      fcgiRecord(12, 0, 'abc'),
      fcgiRecord(UNKNOWN_TYPE, 0, Buffer.from([12, 0, 0, 0, 0, 0, 0, 0])),
    ]);
    const result = inspectFastcgi([bytes]);
    expect(result.management).toEqual([
      { typeName: 'GET_VALUES', pairs: [['FCGI_MAX_CONNS', ''], ['FCGI_MPXS_CONNS', '']] },
      { typeName: 'GET_VALUES_RESULT', pairs: [['FCGI_MPXS_CONNS', '0']] },
      { typeName: 'UNKNOWN_TYPE', pairs: [], unknownType: 12 },
    ]);
    expect(result.records.map((r) => r.typeName)).toEqual(['GET_VALUES', 'GET_VALUES_RESULT', 'UNKNOWN_12', 'UNKNOWN_TYPE']);
    expect(result.requests).toEqual([]);
    expect(result.error).toBeNull();
  });
});

describe('inspectFastcgi: malformed input', () => {
  const begin = fcgiRecord(BEGIN, 1, beginBody(1, 0));

  it('reports a bad version with its offset and keeps what decoded before', () => {
    const bad = fcgiRecord(STDIN, 1, 'abc', 0, 2);
    const result = inspectFastcgi([begin, bad]);
    expect(result.error).toMatchObject({ code: 'FCGI_ERR_UNSUPPORTED_VERSION', offset: begin.length });
    expect(typeof result.error?.message).toBe('string');
    expect(result.records).toEqual([rec(BEGIN, 1, 8, 0, 'BEGIN_REQUEST')]);
    expect(result.requests.map((r) => r.role)).toEqual(['RESPONDER']);
    expect(result.trailingBytes).toBe(bad.length);
  });

  it('counts a record that failed inside itself as trailing bytes', () => {
    const short = fcgiRecord(BEGIN, 1, Buffer.alloc(7));
    const result = inspectFastcgi([short]);
    expect(result.error?.code).toBe('FCGI_ERR_BAD_BODY_LENGTH');
    expect(result.records).toHaveLength(1);
    expect(result.trailingBytes).toBe(short.length);
  });

  it('reports a record cut off by EOF as FCGI_ERR_TRUNCATED_RECORD and counts its bytes', () => {
    const stdin = fcgiRecord(STDIN, 1, 'abcdefgh');
    const partial = stdin.subarray(0, 8 + 5);
    for (const chunks of everySplit(Buffer.concat([begin, partial]))) {
      const result = inspectFastcgi(chunks);
      expect(result.error).toMatchObject({ code: 'FCGI_ERR_TRUNCATED_RECORD', offset: begin.length + partial.length });
      expect(result.trailingBytes).toBe(partial.length);
      expect(result.requests[0]?.stdin).toEqual(streamOf('abcde', false));
    }
  });

  it('reports a header cut off by EOF', () => {
    const result = inspectFastcgi([begin, Buffer.from([1, 5, 0])]);
    expect(result.error?.code).toBe('FCGI_ERR_TRUNCATED_RECORD');
    expect(result.trailingBytes).toBe(3);
    expect(result.records).toHaveLength(1);
  });

  it('treats empty input as an empty, valid capture', () => {
    expect(inspectFastcgi([])).toEqual({ protocol: 'fastcgi', records: [], requests: [], management: [], trailingBytes: 0, error: null });
  });
});
