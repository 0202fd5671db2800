import { ParamList } from '@gw/core';
import { describe, expect, test } from 'vitest';
import { readCgiHeaders, readCgiRequest } from '@gw/node-http';
import { readCgiRawHeaders } from '../src/cgi-headers.js';

const headersOf = (pairs: [string, string][]) => readCgiHeaders(ParamList.from(pairs));

describe('HTTP_* → headers', () => {
  test('names: lower-case with dashes in `headers`, capitalised words in `rawHeaders`', () => {
    const { headers, rawHeaders } = headersOf([
      ['HTTP_HOST', 'a.test'],
      ['HTTP_X_FOO_BAR', '1'],
      ['HTTP_USER_AGENT', 'ua'],
      ['HTTP_X_REAL_IP', '192.0.2.1'],
      ['HTTP_SOMETHING', 'x'],
    ]);
    expect(headers).toEqual({ host: 'a.test', 'x-foo-bar': '1', 'user-agent': 'ua', 'x-real-ip': '192.0.2.1', something: 'x' });
    expect(rawHeaders).toEqual(['Host', 'a.test', 'X-Foo-Bar', '1', 'User-Agent', 'ua', 'X-Real-IP', '192.0.2.1', 'Something', 'x']);
  });

  test('#90: HTTP_X_FORWARDED_FOR becomes x-forwarded-for (underscores are not recoverable)', () => {
    expect(headersOf([['HTTP_X_FORWARDED_FOR', '198.51.100.7']]).headers).toEqual({ 'x-forwarded-for': '198.51.100.7' });
  });

  test('values are kept byte for byte (latin1), the Cookie string untouched', () => {
    const cookie = 'a=1; b="x y"; c=\u00e9';
    expect(headersOf([['HTTP_COOKIE', cookie]]).headers.cookie).toBe(cookie);
  });

  test('non-header variables are ignored, HTTPS and a bare HTTP_ too', () => {
    expect(headersOf([['HTTPS', 'on'], ['HTTP_', 'x'], ['SERVER_NAME', 's'], ['REQUEST_METHOD', 'GET']])).toEqual({ headers: {}, rawHeaders: [] });
  });

  test('a repeated variable keeps its last value in both shapes', () => {
    const { headers, rawHeaders } = headersOf([['HTTP_X_A', '1'], ['HTTP_ACCEPT', '*/*'], ['HTTP_X_A', '2']]);
    expect(headers).toEqual({ 'x-a': '2', accept: '*/*' });
    expect(rawHeaders).toEqual(['X-A', '2', 'Accept', '*/*']);
  });

  test('a repeated well-known header too, and a header under two spellings of its variable is one header', () => {
    const { headers, rawHeaders } = headersOf([['HTTP_ACCEPT', 'a'], ['HTTP_HOST', 'h1'], ['HTTP_ACCEPT', 'b'], ['HTTP_Host', 'h2']]);
    expect(headers).toEqual({ accept: 'b', host: 'h2' });
    expect(rawHeaders).toEqual(['Accept', 'b', 'Host', 'h2']);
  });

  test('what one call saw does not count as a repeat in the next', () => {
    headersOf([['HTTP_ACCEPT', 'a'], ['HTTP_X_A', '1']]);
    expect(headersOf([['HTTP_X_A', '2'], ['HTTP_ACCEPT', 'b']]).rawHeaders).toEqual(['X-A', '2', 'Accept', 'b']);
  });

  test('set-cookie is an array, as node types it', () => {
    expect(headersOf([['HTTP_SET_COOKIE', 'a=1']]).headers['set-cookie']).toEqual(['a=1']);
  });

  test('`headers` is a plain object, like node’s', () => {
    const { headers } = headersOf([['HTTP_HOST', 'h']]);
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
    expect(Object.hasOwn(headers, 'host')).toBe(true);
  });
});

describe('content type and length', () => {
  test('#87: CONTENT_TYPE wins over a different HTTP_CONTENT_TYPE, wherever each appears', () => {
    for (const pairs of [
      [['HTTP_CONTENT_TYPE', 'text/plain'], ['CONTENT_TYPE', 'application/json']],
      [['CONTENT_TYPE', 'application/json'], ['HTTP_CONTENT_TYPE', 'text/plain']],
    ] as [string, string][][]) {
      const { headers, rawHeaders } = headersOf(pairs);
      expect(headers).toEqual({ 'content-type': 'application/json' });
      expect(rawHeaders).toEqual(['Content-Type', 'application/json']);
    }
  });

  test('nginx sends both CONTENT_LENGTH and HTTP_CONTENT_LENGTH: one content-length', () => {
    const { headers, rawHeaders } = headersOf([['CONTENT_LENGTH', '5'], ['HTTP_CONTENT_LENGTH', '5']]);
    expect(headers).toEqual({ 'content-length': '5' });
    expect(rawHeaders).toEqual(['Content-Length', '5']);
  });

  test('empty CONTENT_TYPE / CONTENT_LENGTH add nothing (nginx sends "" when absent)', () => {
    expect(headersOf([['CONTENT_TYPE', ''], ['CONTENT_LENGTH', '']]).headers).toEqual({});
  });

  test('HTTP_CONTENT_* are used when there is no CONTENT_* variable', () => {
    expect(headersOf([['HTTP_CONTENT_TYPE', 'text/plain'], ['HTTP_CONTENT_LENGTH', '3']]).headers).toEqual({
      'content-type': 'text/plain',
      'content-length': '3',
    });
  });

  test('rawHeaders follow the variables’ order', () => {
    const { rawHeaders } = headersOf([['HTTP_HOST', 'h'], ['CONTENT_TYPE', 't'], ['HTTP_ACCEPT', 'a'], ['CONTENT_LENGTH', '1']]);
    expect(rawHeaders).toEqual(['Host', 'h', 'Content-Type', 't', 'Accept', 'a', 'Content-Length', '1']);
  });
});

describe('transfer-encoding', () => {
  test('dropped when the length is known: the body is already de-chunked', () => {
    expect(headersOf([['CONTENT_LENGTH', '10'], ['HTTP_TRANSFER_ENCODING', 'chunked']]).headers).toEqual({ 'content-length': '10' });
  });

  test('kept as chunked when the length is unknown, so body parsers see a body', () => {
    for (const pairs of [
      [['CONTENT_LENGTH', ''], ['HTTP_TRANSFER_ENCODING', 'chunked']],
      [['HTTP_TRANSFER_ENCODING', 'gzip, chunked']],
    ] as [string, string][][]) {
      const { headers, rawHeaders } = headersOf(pairs);
      expect(headers).toEqual({ 'transfer-encoding': 'chunked' });
      expect(rawHeaders).toEqual(['Transfer-Encoding', 'chunked']);
    }
  });

  test('an empty HTTP_TRANSFER_ENCODING adds nothing', () => {
    expect(headersOf([['HTTP_TRANSFER_ENCODING', '']]).headers).toEqual({});
  });
});

describe('rawHeaders from readCgiRequest’s own pass', () => {
  test('the header variables readCgiRequest finds give the same rawHeaders as a separate pass', () => {
    const lists: [string, string][][] = [
      [['REQUEST_METHOD', 'GET'], ['CONTENT_TYPE', ''], ['CONTENT_LENGTH', ''], ['HTTP_HOST', 'h'], ['HTTP_USER_AGENT', 'ua'], ['HTTP_X_CUSTOM', '1']],
      [['REQUEST_METHOD', 'POST'], ['CONTENT_TYPE', 'a/b'], ['HTTP_CONTENT_TYPE', 'c/d'], ['CONTENT_LENGTH', '3'], ['HTTP_CONTENT_LENGTH', '3'], ['HTTP_TRANSFER_ENCODING', 'chunked']],
      [['REQUEST_METHOD', 'POST'], ['CONTENT_LENGTH', ''], ['HTTP_TRANSFER_ENCODING', 'chunked'], ['HTTP_Host', 'a'], ['HTTP_HOST', 'b'], ['HTTP_X_A', '1'], ['HTTP_X_A', '2']],
      [['REQUEST_METHOD', 'GET'], ['CONTENT_TYPE', 'x'], ['HTTP_ACCEPT', '*/*'], ['CONTENT_TYPE', 'y'], ['HTTPS', 'on'], ['HTTP_', 'bare']],
    ];
    for (const pairs of lists) {
      const params = ParamList.from(pairs);
      const request = readCgiRequest(params);
      const separate = readCgiRawHeaders(params);
      expect(readCgiRawHeaders(params, request.contentTypeIndex, request.contentLengthIndex, request.headerVariables)).toEqual(separate);
      expect(separate).toEqual(readCgiHeaders(params).rawHeaders);
    }
  });
});
