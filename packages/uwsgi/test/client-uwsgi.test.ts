import { createServer, type Server, type Socket } from 'node:net';
import type { ParamList } from '@gw/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type UwsgiClientError, UwsgiClientErrorCode as Code, UwsgiRequestDecoder } from '../src/index.js';

// The uwsgi client against a fake app that decodes packets with the package's decoder.

interface Seen {
  modifier1: number;
  modifier2: number;
  vars: [string, string][];
  body: Buffer;
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function fakeApp(reply: (socket: Socket, seen: Seen) => void, seen: Seen[] = []): Promise<number> {
  server = createServer((socket) => {
    socket.on('error', () => {});
    const request: Seen = { modifier1: -1, modifier2: -1, vars: [], body: Buffer.alloc(0) };
    const decoder = new UwsgiRequestDecoder(
      {
        onRequest: (modifier1, modifier2, vars: ParamList) => Object.assign(request, { modifier1, modifier2, vars: vars.toArray() }),
        onBody: (chunk) => {
          request.body = Buffer.concat([request.body, chunk]);
        },
        onBodyEnd: () => {
          seen.push(request);
          reply(socket, request);
        },
      },
      { maxVarsBytes: 65535 },
    );
    socket.on('data', (chunk) => decoder.push(chunk));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

async function text(stream: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks).toString();
}

async function rejection(promise: Promise<unknown>): Promise<UwsgiClientError> {
  try {
    await promise;
  } catch (err) {
    return err as UwsgiClientError;
  }
  throw new Error('expected a rejection');
}

describe('uwsgi client', () => {
  it('sends the vars with CONTENT_LENGTH and the raw body; parses an HTTP status line (what uWSGI answers)', async () => {
    const seen: Seen[] = [];
    const port = await fakeApp((socket, r) => socket.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n${r.body.toString().toUpperCase()}`), seen);
    const res = await createClient({ port }).request({ params: { REQUEST_METHOD: 'POST', PATH_INFO: '/echo' }, body: Buffer.from('abc') });
    expect(res.status).toBe(200);
    expect(res.headKind).toBe('http');
    expect(await text(res.body)).toBe('ABC');
    expect(seen[0]).toMatchObject({ modifier1: 0, modifier2: 0, vars: [['REQUEST_METHOD', 'POST'], ['PATH_INFO', '/echo'], ['CONTENT_LENGTH', '3']] });
  });

  it('uses the client’s modifiers, overridable per request; accepts a CGI head too', async () => {
    const seen: Seen[] = [];
    const port = await fakeApp((socket) => socket.end('Status: 202 Accepted\r\n\r\n'), seen);
    const client = createClient({ port, modifier1: 5, modifier2: 1 });
    expect((await client.request()).status).toBe(202);
    await client.request({ modifier1: 7 });
    expect(seen.map((s) => [s.modifier1, s.modifier2])).toEqual([
      [5, 1],
      [7, 1],
    ]);
    expect(() => createClient({ port, modifier1: 256 })).toThrow(expect.objectContaining({ code: 'GW_ERR_INVALID_OPTION' }));
  });

  it('refuses vars over 65535 bytes with UWSGI_ERR_VARS_TOO_LARGE before connecting', async () => {
    const client = createClient({ port: 9 });
    expect((await rejection(client.request({ params: { BIG: 'x'.repeat(70_000) } }))).code).toBe('UWSGI_ERR_VARS_TOO_LARGE');
  });

  it('reports a connection closed without a head (uWSGI over its buffer-size) as UWSGI_ERR_NO_RESPONSE_HEAD', async () => {
    const port = await fakeApp((socket) => socket.destroy());
    expect((await rejection(createClient({ port }).request())).code).toBe(Code.NO_RESPONSE_HEAD);
  });

  it('needs CONTENT_LENGTH for a body stream', async () => {
    async function* body() {
      yield Buffer.from('x');
    }
    expect((await rejection(createClient({ port: 9 }).request({ body: body() }))).code).toBe(Code.LENGTH_REQUIRED);
  });
});
