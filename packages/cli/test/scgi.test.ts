import { inspectScgiRequest, inspectScgiResponse } from '@gw/cli';
import { bytewise, everySplit } from '@gw/test-utils';
import { describe, expect, it } from 'vitest';
import { streamOf } from './helpers.js';

const block = 'CONTENT_LENGTH\u000027\u0000SCGI\u00001\u0000REQUEST_METHOD\u0000POST\u0000REQUEST_URI\u0000/deepthought\u0000';
const body = 'What is the answer to life?';
/** The example request of the SCGI spec (protocol.txt): a 70-byte header block and a 27-byte body. */
const specExample = Buffer.from(`${block.length}:${block},${body}`, 'latin1');

describe('inspectScgiRequest (to-app)', () => {
  const expected = {
    protocol: 'scgi',
    headers: [
      ['CONTENT_LENGTH', '27'],
      ['SCGI', '1'],
      ['REQUEST_METHOD', 'POST'],
      ['REQUEST_URI', '/deepthought'],
    ],
    body: streamOf(body, true),
    error: null,
  };

  it('decodes the spec example, however it is chunked', () => {
    expect(block.length).toBe(70);
    expect(inspectScgiRequest([specExample])).toEqual(expected);
    for (const chunks of everySplit(specExample)) expect(inspectScgiRequest(chunks)).toEqual(expected);
    expect(inspectScgiRequest(bytewise(specExample))).toEqual(expected);
  });

  it('accepts a leading zero in lenient mode (the default) and rejects it in strict mode', () => {
    const zero = Buffer.concat([Buffer.from('0'), specExample]);
    expect(inspectScgiRequest([zero])).toEqual(expected);
    const strict = inspectScgiRequest([zero], { mode: 'strict' });
    expect(strict.error).toMatchObject({ code: 'SCGI_ERR_BAD_LENGTH', offset: 0 });
    expect(strict.headers).toBeNull();
    expect(strict.body).toBeNull();
  });

  it('reports a body cut short with the headers and the bytes that did arrive', () => {
    const cut = specExample.subarray(0, specExample.length - 7);
    const result = inspectScgiRequest([cut]);
    expect(result.error).toMatchObject({ code: 'SCGI_ERR_INCOMPLETE_BODY', offset: cut.length });
    expect(result.headers).toEqual(expected.headers);
    expect(result.body).toEqual(streamOf(body.slice(0, -7), false));
  });

  it('reports a missing comma at its offset', () => {
    const noComma = Buffer.from(`${block.length}:${block}X`, 'latin1');
    const result = inspectScgiRequest([noComma]);
    expect(result.error).toMatchObject({ code: 'SCGI_ERR_EXPECTED_COMMA', offset: noComma.length - 1 });
    expect(result.headers).toBeNull();
  });
});

describe('inspectScgiResponse (to-server)', () => {
  it('decodes a CGI head and the body up to EOF', () => {
    const bytes = Buffer.from('Status: 404 Not Found\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nno such page', 'latin1');
    const expected = {
      protocol: 'scgi',
      response: {
        status: 404,
        headers: [
          ['Content-Type', 'text/plain'],
          ['Set-Cookie', 'a=1'],
          ['Set-Cookie', 'b=2'],
        ],
        body: streamOf('no such page', true),
      },
      error: null,
    };
    expect(inspectScgiResponse([bytes])).toEqual(expected);
    for (const chunks of everySplit(bytes)) expect(inspectScgiResponse(chunks)).toEqual(expected);
  });

  it('implies 302 for a Location without Status (RFC 3875 §6.2.3)', () => {
    const result = inspectScgiResponse([Buffer.from('Location: https://example.com/\n\n')]);
    expect(result.response).toEqual({ status: 302, headers: [['Location', 'https://example.com/']], body: streamOf('', true) });
  });

  it('reports a malformed Status with its offset and no response', () => {
    const result = inspectScgiResponse([Buffer.from('Content-Type: text/plain\r\nStatus: abc\r\n\r\n')]);
    expect(result.error).toMatchObject({ code: 'CGI_ERR_BAD_STATUS', offset: 34 });
    expect(result.response).toBeNull();
  });

  it('reports a head cut off by EOF', () => {
    const result = inspectScgiResponse([Buffer.from('Status: 200 OK\r\nContent-Ty')]);
    expect(result.error).toMatchObject({ code: 'CGI_ERR_INCOMPLETE_HEAD', offset: 26 });
    expect(result.response).toBeNull();
  });
});
