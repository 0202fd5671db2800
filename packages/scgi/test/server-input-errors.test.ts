import { ByteBuilder } from '@gw/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScgiServer, ScgiServerOptions } from '../src/index.js';
import { headerBlock, netstring, scgiRequest } from './helpers.js';
import { RawClient, reply, startServer, stopServer, until, wait } from './server-harness.js';

const VALID = scgiRequest([['CONTENT_LENGTH', '0'], ['SCGI', '1'], ['REQUEST_METHOD', 'GET']]);

let server: ScgiServer | undefined;
afterEach(async () => {
  await stopServer(server);
  server = undefined;
});

/** Starts a server that answers "served" and records clientError codes. */
async function serving(options: ScgiServerOptions = {}) {
  const s = await startServer((req) => {
    reply(req, 'served');
    return undefined;
  }, options);
  server = s.server;
  const codes: string[] = [];
  server.on('clientError', (err) => codes.push(err.code));
  return { port: s.port, codes };
}

const badInputs: { name: string; bytes: Buffer; tail?: string; end?: boolean; code: string; options?: ScgiServerOptions }[] = [
  { name: 'a length not starting with a digit', bytes: Buffer.from(' 70:'), code: 'SCGI_ERR_BAD_LENGTH' },
  { name: 'a non-digit in the length', bytes: Buffer.from('7a:'), code: 'SCGI_ERR_EXPECTED_COLON' },
  { name: 'a length over maxHeaderBytes (rejected before buffering)', bytes: Buffer.from('99999999999:'), code: 'SCGI_ERR_HEADERS_TOO_LARGE' },
  { name: 'a length over a small maxHeaderBytes', bytes: Buffer.from('101:'), code: 'SCGI_ERR_HEADERS_TOO_LARGE', options: { maxHeaderBytes: 100 } },
  {
    name: 'no comma after the block',
    bytes: netstring(headerBlock([['CONTENT_LENGTH', '0'], ['SCGI', '1']])).subarray(0, -1),
    code: 'SCGI_ERR_EXPECTED_COMMA',
    tail: 'X',
  },
  {
    name: 'a block not ending in NUL',
    bytes: netstring(new ByteBuilder().str('CONTENT_LENGTH').u8(0).str('0').build()),
    code: 'SCGI_ERR_MALFORMED_HEADERS',
  },
  { name: 'an empty block', bytes: Buffer.from('0:,'), code: 'SCGI_ERR_MISSING_CONTENT_LENGTH' },
  { name: 'CONTENT_LENGTH not first', bytes: scgiRequest([['SCGI', '1'], ['CONTENT_LENGTH', '0']]), code: 'SCGI_ERR_MISSING_CONTENT_LENGTH' },
  { name: 'CONTENT_LENGTH -1', bytes: scgiRequest([['CONTENT_LENGTH', '-1'], ['SCGI', '1']]), code: 'SCGI_ERR_BAD_CONTENT_LENGTH' },
  { name: 'SCGI=2', bytes: scgiRequest([['CONTENT_LENGTH', '0'], ['SCGI', '2']]), code: 'SCGI_ERR_BAD_SCGI_VERSION' },
  { name: 'a leading zero (strict)', bytes: Buffer.from('070:'), code: 'SCGI_ERR_BAD_LENGTH', options: { mode: 'strict' } },
  {
    name: 'a repeated name (strict)',
    bytes: scgiRequest([['CONTENT_LENGTH', '0'], ['SCGI', '1'], ['A', '1'], ['A', '2']]),
    code: 'SCGI_ERR_DUPLICATE_HEADER',
    options: { mode: 'strict' },
  },
  { name: 'EOF inside the netstring', bytes: Buffer.from('70:CONTENT_LEN'), end: true, code: 'SCGI_ERR_INCOMPLETE_HEADERS' },
];

describe('SCGI server: bad input', () => {
  for (const bad of badInputs) {
    it(`closes the connection on ${bad.name} (${bad.code}) and keeps serving`, async () => {
      const { port, codes } = await serving(bad.options);
      const client = new RawClient(port);
      client.send(bad.bytes, bad.tail ?? '');
      if (bad.end === true) client.socket.end();
      await client.closed;
      expect(codes).toEqual([bad.code]);
      expect(client.received.length).toBe(0);
      const next = new RawClient(port);
      next.send(VALID);
      await next.closed;
      expect(next.text).toMatch(/served$/);
    });
  }

  it('closes a connection that sends 3 bytes and stalls after headersTimeout (slowloris)', async () => {
    const { port, codes } = await serving({ headersTimeout: 150 });
    const client = new RawClient(port);
    const started = Date.now();
    client.send('70:');
    await client.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(codes).toEqual(['SCGI_ERR_HEADERS_TIMEOUT']);
  });

  it('closes a peer that stalls mid-body after bodyTimeout and aborts the exchange', async () => {
    let aborted = 0;
    const s = await startServer(() => ({ abort: () => { aborted++; } }), { bodyTimeout: 150 });
    server = s.server;
    const codes: string[] = [];
    server.on('clientError', (err) => codes.push(err.code));
    const client = new RawClient(s.port);
    client.send(scgiRequest([['CONTENT_LENGTH', '10'], ['SCGI', '1']], 'abc'));
    await client.closed;
    expect(codes).toEqual(['SCGI_ERR_BODY_TIMEOUT']);
    expect(aborted).toBe(1);
  });

  it('does not count time the handler holds the body back against bodyTimeout', async () => {
    let accept = false;
    let resume: (() => void) | undefined;
    const s = await startServer((req) => {
      resume = () => req.resumeBody();
      return { pushBody: () => accept, endBody: () => reply(req, 'whole body') };
    }, { bodyTimeout: 100 });
    server = s.server;
    const codes: string[] = [];
    server.on('clientError', (err) => codes.push(err.code));
    const client = new RawClient(s.port);
    const body = Buffer.alloc(4 * 1024 * 1024, 0x41);
    client.send(scgiRequest([['CONTENT_LENGTH', String(body.length)], ['SCGI', '1']]), body);
    await wait(300);
    expect(codes).toEqual([]);
    accept = true;
    resume?.();
    await client.closed;
    expect(client.text).toMatch(/whole body$/);
    expect(codes).toEqual([]);
  });

  it('closes a peer that stops one byte short of its header block after headersTimeout', async () => {
    const { port, codes } = await serving({ maxHeaderBytes: 1000, headersTimeout: 200 });
    const client = new RawClient(port);
    client.send('1000:', Buffer.alloc(999, 0x41));
    await until(() => codes.length > 0, 2000);
    // The block is incomplete (999 of 1000 bytes): only the timeout ends it, no error before.
    expect(codes).toEqual(['SCGI_ERR_HEADERS_TIMEOUT']);
  });
});
