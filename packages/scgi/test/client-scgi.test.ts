import { createServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { ParamList } from '@gw/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type ScgiClientError, ScgiClientErrorCode as Code, ScgiRequestDecoder } from '../src/index.js';

// The SCGI client against a fake app that decodes the request with the package's decoder and
// answers with raw bytes.

interface Seen {
  headers: [string, string][];
  contentLength: number;
  body: Buffer;
}

type Reply = (socket: Socket, seen: Seen) => void;

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function fakeApp(reply: Reply, seen: Seen[] = []): Promise<number> {
  server = createServer((socket) => {
    socket.on('error', () => {});
    const request: Seen = { headers: [], contentLength: -1, body: Buffer.alloc(0) };
    const decoder = new ScgiRequestDecoder({
      onHeaders: (headers: ParamList, contentLength) => {
        request.headers = headers.toArray();
        request.contentLength = contentLength;
      },
      onBody: (chunk) => {
        request.body = Buffer.concat([request.body, chunk]);
      },
      onBodyEnd: () => {
        seen.push(request);
        reply(socket, request);
      },
    });
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

async function rejection(promise: Promise<unknown>): Promise<ScgiClientError> {
  try {
    await promise;
  } catch (err) {
    return err as ScgiClientError;
  }
  throw new Error('expected a rejection');
}

describe('SCGI client', () => {
  it('sends CONTENT_LENGTH first, then SCGI=1, the params and the body; reads a CGI head and a body ending at close', async () => {
    const seen: Seen[] = [];
    const port = await fakeApp((socket, r) => socket.end(`Status: 404 Not Found\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\ngot ${r.body}`), seen);
    const client = createClient({ port });
    const res = await client.request({ params: { REQUEST_METHOD: 'POST', REQUEST_URI: '/x' }, body: Buffer.from('hello') });
    expect(res.status).toBe(404);
    expect(res.headKind).toBe('cgi');
    expect(res.headers.filter(([n]) => n === 'Set-Cookie').map(([, v]) => v)).toEqual(['a=1', 'b=2']);
    expect(await text(res.body)).toBe('got hello');
    expect(await res.ended).toEqual({ bodyBytes: 9 });
    expect(await text(res.stderr)).toBe('');
    expect(seen[0]?.headers.slice(0, 4)).toEqual([
      ['CONTENT_LENGTH', '5'],
      ['SCGI', '1'],
      ['REQUEST_METHOD', 'POST'],
      ['REQUEST_URI', '/x'],
    ]);
  });

  it('accepts an HTTP status line head (nginx does) and honours Content-Length, cutting extra bytes', async () => {
    const port = await fakeApp((socket) => socket.write('HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\nbodyEXTRA'));
    const res = await createClient({ port }).request();
    expect(res.status).toBe(201);
    expect(res.headKind).toBe('http');
    expect(await text(res.body)).toBe('body');
    expect((await res.ended).bodyBytes).toBe(4);
  });

  it('fails `ended` with SCGI_ERR_CONNECTION_CLOSED when the body is shorter than Content-Length', async () => {
    const port = await fakeApp((socket) => socket.end('Status: 200 OK\r\nContent-Length: 10\r\n\r\nshort'));
    const res = await createClient({ port }).request();
    const errors: unknown[] = [];
    res.body.on('error', (e) => errors.push(e));
    expect((await rejection(res.ended)).code).toBe(Code.CONNECTION_CLOSED);
    expect((errors[0] as ScgiClientError).code).toBe(Code.CONNECTION_CLOSED);
  });

  it('expects no body for HEAD whatever Content-Length says', async () => {
    const port = await fakeApp((socket) => socket.write('Status: 200 OK\r\nContent-Length: 100\r\n\r\n'));
    const res = await createClient({ port }).request({ params: { REQUEST_METHOD: 'HEAD' } });
    expect(await text(res.body)).toBe('');
    expect((await res.ended).bodyBytes).toBe(0);
  });

  it('fails with SCGI_ERR_NO_RESPONSE_HEAD when the app closes before the blank line', async () => {
    const port = await fakeApp((socket) => socket.end('Status: 200 OK\r\n'));
    expect((await rejection(createClient({ port }).request())).code).toBe(Code.NO_RESPONSE_HEAD);
  });

  it('reports a malformed head with its CGI_ERR_* code', async () => {
    const port = await fakeApp((socket) => socket.end('Status: twohundred\r\n\r\n'));
    expect((await rejection(createClient({ port }).request())).code).toBe('CGI_ERR_BAD_STATUS');
  });

  it('streams a body of known length; refuses a stream without CONTENT_LENGTH or longer than it', async () => {
    const port = await fakeApp((socket, r) => socket.end(`Status: 200 OK\r\n\r\n${r.contentLength}:${r.body.length}`));
    const client = createClient({ port });
    const chunks = Array.from({ length: 10 }, () => Buffer.alloc(30_000, 1));
    const res = await client.request({ params: { CONTENT_LENGTH: '300000' }, body: Readable.from(chunks) });
    expect(await text(res.body)).toBe('300000:300000');
    expect((await rejection(client.request({ body: Readable.from(chunks) }))).code).toBe(Code.LENGTH_REQUIRED);
    expect((await rejection(client.request({ params: { CONTENT_LENGTH: '10' }, body: Readable.from(chunks) }))).code).toBe(Code.BODY_SOURCE_FAILED);
  });

  it('cancels with its signal and times out waiting for the head', async () => {
    const port = await fakeApp(() => {});
    const client = createClient({ port });
    const controller = new AbortController();
    const aborted = client.request({ signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect((await rejection(aborted)).code).toBe(Code.ABORTED);
    expect((await rejection(client.request({ timeouts: { firstByte: 30 } }))).code).toBe(Code.FIRST_BYTE_TIMEOUT);
  });

  it('fails with SCGI_ERR_CONNECT_FAILED (retryable) when nothing listens', async () => {
    const err = await rejection(createClient({ path: '/nonexistent/gw-scgi.sock' }).request());
    expect(err.code).toBe(Code.CONNECT_FAILED);
    expect(err.retryable).toBe(true);
  });
});
