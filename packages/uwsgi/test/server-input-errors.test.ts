import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ByteBuilder } from '@gw/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type UwsgiServer, type UwsgiServerOptions } from '../src/index.js';
import { SPEC_EXAMPLE, uwsgiPacket, uwsgiVar } from './support/fixtures.js';
import { RawClient, reply, startServer, stopServer, tempDir, until } from './server-harness.js';

let server: UwsgiServer | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await stopServer(server);
  server = undefined;
  for (const c of cleanups.splice(0)) c();
});

/** Starts a server that answers "served" and records clientError codes. */
async function serving(options: UwsgiServerOptions = {}) {
  const s = await startServer((req) => {
    reply(req, 'served');
    return undefined;
  }, options);
  server = s.server;
  const codes: string[] = [];
  server.on('clientError', (err) => codes.push(err.code));
  return { port: s.port, codes };
}

const badInputs: { name: string; bytes: Buffer; end?: boolean; code: string; options?: UwsgiServerOptions }[] = [
  { name: 'datasize over the default 4096', bytes: new ByteBuilder().u8(0).u16le(4097).u8(0).build(), code: 'UWSGI_ERR_VARS_TOO_LARGE' },
  { name: 'a big-endian datasize (00 00 15 00 is 5376)', bytes: new ByteBuilder().hex('00 00 15 00').build(), code: 'UWSGI_ERR_VARS_TOO_LARGE' },
  { name: 'datasize over a configured maxVarsBytes', bytes: uwsgiPacket([['A', 'x'.repeat(200)]]), code: 'UWSGI_ERR_VARS_TOO_LARGE', options: { maxVarsBytes: 100 } },
  { name: 'a zero-length key', bytes: uwsgiPacket(new ByteBuilder().u16le(0).u16le(1).str('x').build()), code: 'UWSGI_ERR_EMPTY_KEY' },
  { name: 'a value running past the block', bytes: uwsgiPacket(new ByteBuilder().u16le(1).str('A').u16le(50).str('short').build()), code: 'UWSGI_ERR_VARS_OVERRUN' },
  { name: 'stray bytes at the end of the block', bytes: uwsgiPacket(Buffer.concat([uwsgiVar('A', 'b'), Buffer.from([1, 0])])), code: 'UWSGI_ERR_TRAILING_BYTES' },
  { name: 'more vars than maxVars', bytes: uwsgiPacket([['A', '1'], ['B', '2'], ['C', '3']]), code: 'UWSGI_ERR_TOO_MANY_VARS', options: { maxVars: 2 } },
  { name: 'a CONTENT_LENGTH that is not digits', bytes: uwsgiPacket([['CONTENT_LENGTH', '12abc']]), code: 'UWSGI_ERR_BAD_CONTENT_LENGTH' },
  { name: 'EOF inside the vars block', bytes: SPEC_EXAMPLE.subarray(0, 10), end: true, code: 'UWSGI_ERR_INCOMPLETE_VARS' },
  { name: 'EOF inside the header', bytes: SPEC_EXAMPLE.subarray(0, 2), end: true, code: 'UWSGI_ERR_INCOMPLETE_VARS' },
];

describe('uwsgi server: bad input', () => {
  for (const bad of badInputs) {
    it(`closes the connection on ${bad.name} (${bad.code}) and keeps serving`, async () => {
      const { port, codes } = await serving(bad.options);
      const client = new RawClient(port);
      client.send(bad.bytes);
      if (bad.end === true) client.socket.end();
      await client.closed;
      expect(codes).toEqual([bad.code]);
      expect(client.received.length).toBe(0);
      const next = new RawClient(port);
      next.send(SPEC_EXAMPLE);
      await next.closed;
      expect(next.text).toMatch(/served$/);
    });
  }

  it('serves a vars block of up to 65535 bytes when maxVarsBytes allows it', async () => {
    const { port, codes } = await serving({ maxVarsBytes: 65535 });
    const big = uwsgiPacket([['REQUEST_METHOD', 'GET'], ['HTTP_X_BIG', 'v'.repeat(65535 - 4 - 14 - 3 - 4 - 10)]]);
    expect(big.readUInt16LE(1)).toBe(65535);
    const client = new RawClient(port);
    client.send(big);
    await client.closed;
    expect(client.text).toMatch(/served$/);
    expect(codes).toEqual([]);
  });

  it('closes a connection that sends 3 bytes and stalls after headersTimeout (slowloris)', async () => {
    const { port, codes } = await serving({ headersTimeout: 150 });
    const client = new RawClient(port);
    const started = Date.now();
    client.send(SPEC_EXAMPLE.subarray(0, 3));
    await client.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(codes).toEqual(['UWSGI_ERR_HEADERS_TIMEOUT']);
  });

  it('closes a peer that stalls mid-body after bodyTimeout and aborts the exchange', async () => {
    let aborted = 0;
    const s = await startServer(() => ({ abort: () => { aborted++; } }), { bodyTimeout: 150 });
    server = s.server;
    const codes: string[] = [];
    server.on('clientError', (err) => codes.push(err.code));
    const client = new RawClient(s.port);
    client.send(uwsgiPacket([['CONTENT_LENGTH', '10']], { after: 'abc' }));
    await client.closed;
    expect(codes).toEqual(['UWSGI_ERR_BODY_TIMEOUT']);
    expect(aborted).toBe(1);
  });

  it('rejects maxVarsBytes above 65535 at construction', () => {
    expect(() => createServer({ maxVarsBytes: 65536 })).toThrow(expect.objectContaining({ code: 'GW_ERR_INVALID_OPTION' }));
  });
});

describe('uwsgi server: listening and peers', () => {
  it('refuses a TCP peer outside allowedPeers with PEER_NOT_ALLOWED', async () => {
    const { port, codes } = await serving({ allowedPeers: ['192.168.0.0/16'] });
    const client = new RawClient(port);
    client.send(SPEC_EXAMPLE);
    await client.closed;
    await until(() => codes.length > 0);
    expect(codes).toEqual(['UWSGI_ERR_PEER_NOT_ALLOWED']);
    expect(client.received.length).toBe(0);
  });

  it('serves a TCP peer inside allowedPeers', async () => {
    const { port } = await serving({ allowedPeers: ['127.0.0.1'] });
    const client = new RawClient(port);
    client.send(SPEC_EXAMPLE);
    await client.closed;
    expect(client.text).toMatch(/served$/);
  });

  it('listens on a unix socket with socketMode, and always allows unix peers', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const path = join(dir.path, 'uwsgi.sock');
    server = createServer({
      socketMode: 0o660,
      allowedPeers: ['192.168.0.0/16'],
      handleRequest: (req) => {
        reply(req, 'over unix');
        return { pushBody: () => true, endBody: () => {}, drain: () => {}, abort: () => {} };
      },
    });
    await new Promise<void>((resolve) => server?.listen(path, resolve));
    expect(statSync(path).mode & 0o777).toBe(0o660);
    const client = new RawClient(path);
    client.send(SPEC_EXAMPLE);
    await client.closed;
    expect(client.text).toMatch(/^HTTP\/1\.1 200 OK.*over unix$/s);
  });
});
