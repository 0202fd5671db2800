import { inspectUwsgiRequest, inspectUwsgiResponse } from '@gw/cli';
import { ByteBuilder, bytewise, everySplit } from '@gw/test-utils';
import { describe, expect, it } from 'vitest';
import { streamOf } from './helpers.js';

/** A uwsgi vars block: u16 little-endian key and value lengths (docs/protocols.md §3.2). */
function varsBlock(pairs: [string, string][]): Buffer {
  const b = new ByteBuilder();
  for (const [k, v] of pairs) b.u16le(k.length).str(k).u16le(v.length).str(v);
  return b.build();
}

function packet(modifier1: number, vars: Buffer, modifier2: number, body = ''): Buffer {
  return new ByteBuilder().u8(modifier1).u16le(vars.length).u8(modifier2).bytes(vars).str(body).build();
}

describe('inspectUwsgiRequest (to-app)', () => {
  const vars: [string, string][] = [
    ['REQUEST_METHOD', 'POST'],
    ['CONTENT_LENGTH', '5'],
    ['HTTP_X', '\u00ff'],
  ];
  const block = varsBlock(vars);
  const bytes = packet(5, block, 1, 'hello');
  const expected = { protocol: 'uwsgi', modifier1: 5, modifier2: 1, datasize: block.length, vars, body: streamOf('hello', true), error: null };

  it('decodes header fields, vars and body, however the bytes are chunked', () => {
    expect(inspectUwsgiRequest([bytes])).toEqual(expected);
    for (const chunks of everySplit(bytes)) expect(inspectUwsgiRequest(chunks)).toEqual(expected);
    expect(inspectUwsgiRequest(bytewise(bytes))).toEqual(expected);
  });

  it('accepts a vars block larger than uWSGI’s default 4096-byte buffer', () => {
    const big = varsBlock([['HTTP_COOKIE', 'c'.repeat(6000)]]);
    const result = inspectUwsgiRequest([packet(0, big, 0)]);
    expect(result.error).toBeNull();
    expect(result.datasize).toBe(big.length);
    expect(result.body).toEqual(streamOf('', true));
  });

  it('shows the header fields even when the vars block is malformed', () => {
    const bad = new ByteBuilder().u16le(0).u16le(1).str('x').build(); // empty key
    const result = inspectUwsgiRequest([packet(0, bad, 0)]);
    expect(result).toMatchObject({ modifier1: 0, modifier2: 0, datasize: bad.length, vars: null, body: null });
    expect(result.error).toMatchObject({ code: 'UWSGI_ERR_EMPTY_KEY', offset: 4 });
  });

  it('reports a header cut off by EOF with null header fields', () => {
    const result = inspectUwsgiRequest([Buffer.from([0, 21])]);
    expect(result).toMatchObject({ modifier1: null, modifier2: null, datasize: null, vars: null, body: null });
    expect(result.error).toMatchObject({ code: 'UWSGI_ERR_INCOMPLETE_VARS', offset: 2 });
  });
});

describe('inspectUwsgiResponse (to-server)', () => {
  it('decodes an HTTP status line head and the body up to EOF', () => {
    const bytes = Buffer.from('HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\n\r\nmade it', 'latin1');
    const expected = {
      protocol: 'uwsgi',
      response: { status: 201, headers: [['Content-Type', 'text/plain']], body: streamOf('made it', true) },
      error: null,
    };
    for (const chunks of everySplit(bytes)) expect(inspectUwsgiResponse(chunks)).toEqual(expected);
  });

  it('reports a malformed status line', () => {
    const result = inspectUwsgiResponse([Buffer.from('HTTP/1.1 2x0 OK\r\n\r\n')]);
    expect(result.error).toMatchObject({ code: 'CGI_ERR_BAD_STATUS_LINE', offset: 0 });
    expect(result.response).toBeNull();
  });
});
