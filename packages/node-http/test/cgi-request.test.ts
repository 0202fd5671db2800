import { ParamList } from '@gw/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { readCgiRequest } from '@gw/node-http';
import { cgiParams } from './helpers/fake-sink.js';

const read = (overrides: Record<string, string | undefined>, extra: [string, string][] = []) => readCgiRequest(cgiParams(overrides, extra));

function badRequestCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('method', () => {
  test('comes from REQUEST_METHOD, case kept', () => {
    expect(read({ REQUEST_METHOD: 'PATCH' }).method).toBe('PATCH');
    expect(read({ REQUEST_METHOD: 'get' }).method).toBe('get');
  });

  test('missing, empty or not a token is GW_ERR_BAD_REQUEST', () => {
    expect(badRequestCode(() => read({ REQUEST_METHOD: undefined }))).toBe('GW_ERR_BAD_REQUEST');
    expect(badRequestCode(() => read({ REQUEST_METHOD: '' }))).toBe('GW_ERR_BAD_REQUEST');
    expect(badRequestCode(() => read({ REQUEST_METHOD: 'G ET' }))).toBe('GW_ERR_BAD_REQUEST');
    expect(badRequestCode(() => read({ REQUEST_METHOD: 'GET\r\n' }))).toBe('GW_ERR_BAD_REQUEST');
  });

  test('a repeated variable keeps its last value', () => {
    expect(read({}, [['REQUEST_METHOD', 'DELETE']]).method).toBe('DELETE');
  });
});

describe('url', () => {
  test('REQUEST_URI wins, untouched', () => {
    expect(read({ REQUEST_URI: '/a%20b/c?d=%2F&e' }).url).toBe('/a%20b/c?d=%2F&e');
  });

  test('#86: without REQUEST_URI, SCRIPT_NAME + PATH_INFO re-encoded plus the query', () => {
    expect(read({ REQUEST_URI: undefined, SCRIPT_NAME: '/app.php', PATH_INFO: '/x y', QUERY_STRING: 'a=1' }).url).toBe('/app.php/x%20y?a=1');
    expect(read({ REQUEST_URI: '', SCRIPT_NAME: '/s', PATH_INFO: undefined, QUERY_STRING: '' }).url).toBe('/s');
    expect(read({ REQUEST_URI: undefined, SCRIPT_NAME: undefined, PATH_INFO: '/p', QUERY_STRING: undefined }).url).toBe('/p');
  });

  test('decoded ? # % and non-ASCII bytes are percent-encoded byte by byte', () => {
    // "é" sent as UTF-8 (C3 A9) reaches us as two latin1 characters.
    const decoded = Buffer.from('/dir/a?b#c%d/é', 'utf8').toString('latin1');
    expect(read({ REQUEST_URI: undefined, SCRIPT_NAME: decoded, QUERY_STRING: '' }).url).toBe('/dir/a%3Fb%23c%25d/%C3%A9');
  });

  test('sub-delims, ":" and "@" stay as they are', () => {
    expect(read({ REQUEST_URI: undefined, SCRIPT_NAME: "/a:b@c!$&'()*+,;=-._~", QUERY_STRING: '' }).url).toBe("/a:b@c!$&'()*+,;=-._~");
  });

  test('no path at all is "/"', () => {
    expect(read({ REQUEST_URI: undefined, SCRIPT_NAME: '', PATH_INFO: undefined, QUERY_STRING: 'q' }).url).toBe('/?q');
  });

  test('property: the encoded path decodes back to the same bytes and has no ? # or space', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const decoded = `/${Buffer.from(bytes).toString('latin1')}`;
        const url = read({ REQUEST_URI: undefined, SCRIPT_NAME: decoded, PATH_INFO: undefined, QUERY_STRING: '' }).url;
        expect(url).not.toMatch(/[?# \u0080-\u00ff]/);
        expect(percentDecode(url).equals(Buffer.from(decoded, 'latin1'))).toBe(true);
      }),
    );
  });
});

function percentDecode(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%') {
      out.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push(s.charCodeAt(i));
    }
  }
  return Buffer.from(out);
}

describe('httpVersion', () => {
  test.each([
    ['HTTP/1.1', '1.1', 1, 1],
    ['HTTP/1.0', '1.0', 1, 0],
    ['HTTP/2.0', '2.0', 2, 0],
    ['HTTP/3.0', '3.0', 3, 0],
    ['HTTP/2', '2.0', 2, 0],
  ])('%s', (protocol, version, major, minor) => {
    const r = read({ SERVER_PROTOCOL: protocol });
    expect([r.httpVersion, r.httpVersionMajor, r.httpVersionMinor]).toEqual([version, major, minor]);
  });

  test.each([undefined, '', 'INCLUDED', 'HTTP/1.x', 'http/1.0', 'HTTP/10.0'])('%s reads as 1.1', (protocol) => {
    const r = read({ SERVER_PROTOCOL: protocol });
    expect([r.httpVersion, r.httpVersionMajor, r.httpVersionMinor]).toEqual(['1.1', 1, 1]);
  });
});

describe('connection facts', () => {
  test('REMOTE_ADDR / REMOTE_PORT / SERVER_ADDR / SERVER_PORT', () => {
    const r = read({});
    expect([r.remoteAddress, r.remotePort, r.remoteFamily, r.localAddress, r.localPort]).toEqual(['192.0.2.10', 54321, 'IPv4', '192.0.2.1', 80]);
    expect(read({ REMOTE_ADDR: '2001:db8::1' }).remoteFamily).toBe('IPv6');
  });

  test('#89: REMOTE_ADDR "unix:" and REMOTE_PORT "" give undefined', () => {
    const r = read({ REMOTE_ADDR: 'unix:', REMOTE_PORT: '' });
    expect([r.remoteAddress, r.remoteFamily, r.remotePort]).toEqual([undefined, undefined, undefined]);
    expect(read({ REMOTE_ADDR: undefined, REMOTE_PORT: undefined }).remoteAddress).toBeUndefined();
    expect(read({ REMOTE_ADDR: '' }).remoteAddress).toBeUndefined();
  });

  test('ports that are not ports are undefined', () => {
    for (const port of ['70000', 'abc', '-1', '123456', ' 80']) expect(read({ REMOTE_PORT: port }).remotePort).toBeUndefined();
    expect(read({ REMOTE_PORT: '0' }).remotePort).toBe(0);
    expect(read({ REMOTE_PORT: '65535' }).remotePort).toBe(65535);
  });

  test('#88: encrypted for HTTPS on/ON/1 or REQUEST_SCHEME https', () => {
    for (const on of ['on', 'ON', 'On', '1']) expect(read({ HTTPS: on, REQUEST_SCHEME: 'http' }).encrypted).toBe(true);
    for (const off of ['off', '', '0', 'yes']) expect(read({ HTTPS: off, REQUEST_SCHEME: 'http' }).encrypted).toBe(false);
    expect(read({ REQUEST_SCHEME: 'https' }).encrypted).toBe(true);
    expect(read({ REQUEST_SCHEME: 'HTTPS' }).encrypted).toBe(true);
    expect(read({ REQUEST_SCHEME: undefined }).encrypted).toBe(false);
  });
});

describe('contentLength', () => {
  test('digits → number, "" or absent → unknown', () => {
    expect(read({ CONTENT_LENGTH: '123' }).contentLength).toBe(123);
    expect(read({ CONTENT_LENGTH: '0' }).contentLength).toBe(0);
    expect(read({ CONTENT_LENGTH: '00012' }).contentLength).toBe(12);
    expect(read({ CONTENT_LENGTH: '' }).contentLength).toBeUndefined();
    expect(read({ CONTENT_LENGTH: undefined }).contentLength).toBeUndefined();
  });

  test('anything else is GW_ERR_BAD_REQUEST', () => {
    for (const value of ['-1', '1e3', ' 12', '12 ', '0x10', '1234567890123456']) {
      expect(badRequestCode(() => read({ CONTENT_LENGTH: value }))).toBe('GW_ERR_BAD_REQUEST');
    }
  });
});

describe('host', () => {
  test('HTTP_HOST, else SERVER_NAME:SERVER_PORT, else undefined', () => {
    expect(read({ HTTP_HOST: 'h.test:8080' }).host).toBe('h.test:8080');
    expect(read({ HTTP_HOST: undefined }).host).toBe('example.test:80');
    expect(read({ HTTP_HOST: '' }).host).toBe('example.test:80');
    expect(read({ HTTP_HOST: undefined, SERVER_PORT: undefined }).host).toBe('example.test');
    expect(read({ HTTP_HOST: undefined, SERVER_NAME: undefined }).host).toBeUndefined();
  });
});

test('works on a list with nothing but REQUEST_METHOD', () => {
  const r = readCgiRequest(ParamList.from([['REQUEST_METHOD', 'GET']]));
  expect(r).toMatchObject({ method: 'GET', url: '/', httpVersion: '1.1', encrypted: false, contentLength: undefined, host: undefined });
});
