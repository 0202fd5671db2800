import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeBeginRequest, encodeParams, encodeStream, encodeStreamEnd, RecordType, Role } from '../src/index.js';
import { createServer, type FastCgiRequest, type FastCgiServer } from '../src/server/index.js';
import { Peer } from './server-harness.js';

const T = RecordType;
const nginxParams = (uri: string, method = 'GET', body = ''): [string, string][] => [
  ['REQUEST_METHOD', method],
  ['REQUEST_URI', uri],
  ['SERVER_PROTOCOL', 'HTTP/1.1'],
  ['CONTENT_LENGTH', body ? String(body.length) : ''],
  ['CONTENT_TYPE', body ? 'text/plain' : ''],
  ['REMOTE_ADDR', '127.0.0.1'],
  ['REMOTE_PORT', '5555'],
  ['HTTP_HOST', 'example.test'],
  ['HTTP_X_TRACE', 'abc'],
];
const send = (peer: Peer, id: number, params: [string, string][], body = '', keepConn = false) =>
  peer.send(
    encodeBeginRequest(id, Role.RESPONDER, keepConn),
    encodeParams(id, params),
    ...(body ? [encodeStream(T.STDIN, id, Buffer.from(body))] : []),
    encodeStreamEnd(T.STDIN, id),
  );

let server: FastCgiServer | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

async function listen(s: FastCgiServer): Promise<number> {
  server = s;
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as { port: number }).port;
}

describe('FastCGI server with node:http handlers', () => {
  it('serves a plain request listener: req mapped from params, res as a CGI head', async () => {
    let seen: IncomingMessage | undefined;
    const port = await listen(
      createServer((req, res) => {
        seen = req;
        res.setHeader('Content-Type', 'text/plain');
        res.setHeader('Set-Cookie', ['a=1', 'b=2']);
        res.end(`hello ${req.url}`);
      }),
    );
    const peer = new Peer(port);
    send(peer, 1, nginxParams('/path?q=1'));
    await peer.closed;
    expect(seen?.method).toBe('GET');
    expect(seen?.headers.host).toBe('example.test');
    expect(seen?.headers['x-trace']).toBe('abc');
    expect(seen?.socket.remoteAddress).toBe('127.0.0.1');
    const out = peer.answers.get(1)?.stdout.toString() ?? '';
    expect(out.startsWith('Status: 200 OK\r\n')).toBe(true);
    expect(out).toContain('Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n');
    expect(out).not.toMatch(/transfer-encoding/i);
    expect(out.endsWith('\r\n\r\nhello /path?q=1')).toBe(true);
    expect(peer.answers.get(1)?.end).toEqual({ appStatus: 0, protocolStatus: 0 });
  });

  it('streams the request body to the handler and echoes it', async () => {
    const port = await listen(
      createServer((req, res) => {
        const parts: Buffer[] = [];
        req.on('data', (c: Buffer) => parts.push(c));
        req.on('end', () => res.end(Buffer.concat(parts)));
      }),
    );
    const peer = new Peer(port);
    send(peer, 1, nginxParams('/echo', 'POST', 'body bytes'), 'body bytes');
    await peer.closed;
    expect(peer.answers.get(1)?.stdout.toString()).toMatch(/\r\n\r\nbody bytes$/);
  });

  it('exposes the FastCGI request (role, id, stderr) as req.gateway', async () => {
    const port = await listen(
      createServer((req, res) => {
        const fcgi = (req as IncomingMessage & { gateway: FastCgiRequest }).gateway;
        fcgi.stderr.write('logged line\n');
        res.end(`role ${fcgi.role} id ${fcgi.requestId}`);
      }),
    );
    const peer = new Peer(port);
    send(peer, 3, nginxParams('/'));
    await peer.closed;
    expect(peer.answers.get(3)?.stdout.toString()).toMatch(/role 1 id 3$/);
    expect(peer.answers.get(3)?.stderr.toString()).toBe('logged line\n');
  });

  it('serves a Fetch handler', async () => {
    const port = await listen(
      createServer({
        fetch: async (request) => new Response(`fetch ${new URL(request.url).pathname} ${request.method}`, { status: 201, headers: { 'x-a': 'b' } }),
      }),
    );
    const peer = new Peer(port);
    send(peer, 1, nginxParams('/f'));
    await peer.closed;
    const out = peer.answers.get(1)?.stdout.toString() ?? '';
    expect(out.startsWith('Status: 201 Created\r\n')).toBe(true);
    expect(out).toMatch(/x-a: b\r\n/i);
    expect(out.endsWith('fetch /f GET')).toBe(true);
  });

  it('answers 500 when the handler throws, and keeps serving', async () => {
    const errors: unknown[] = [];
    const s = createServer((req, res) => {
      if (req.url === '/boom') throw new Error('boom');
      res.end('fine');
    });
    s.on('handlerError', (e) => errors.push(e));
    const port = await listen(s);
    const peer = new Peer(port);
    send(peer, 1, nginxParams('/boom'), '', true);
    await peer.until(() => peer.ended(1));
    expect(peer.answers.get(1)?.stdout.toString()).toMatch(/^Status: 500/);
    peer.answers.clear();
    send(peer, 1, nginxParams('/ok'), '', false);
    await peer.closed;
    expect(peer.answers.get(1)?.stdout.toString()).toMatch(/fine$/);
    expect(errors).toHaveLength(1);
  });

  it('multiplexes node:http requests on one connection', async () => {
    const port = await listen(
      createServer((req, res) => {
        setTimeout(() => res.end(`r${req.url}`), req.url === '/slow' ? 30 : 1);
      }),
    );
    const peer = new Peer(port);
    send(peer, 1, nginxParams('/slow'), '', true);
    send(peer, 2, nginxParams('/fast'), '', true);
    await peer.until(() => peer.ended(1) && peer.ended(2));
    expect(peer.answers.get(1)?.stdout.toString()).toMatch(/r\/slow$/);
    expect(peer.answers.get(2)?.stdout.toString()).toMatch(/r\/fast$/);
    peer.socket.destroy();
  });

  it('sends a large response in aligned STDOUT records with backpressure', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 0x61);
    const port = await listen(
      createServer((_req, res) => {
        let sent = 0;
        const step = 256 * 1024;
        const pump = () => {
          while (sent < big.length) {
            const ok = res.write(big.subarray(sent, sent + step));
            sent += step;
            if (!ok) return res.once('drain', pump);
          }
          res.end();
        };
        pump();
      }),
    );
    const peer = new Peer(port);
    send(peer, 1, nginxParams('/big'));
    await peer.closed;
    const out = peer.answers.get(1)?.stdout as Buffer;
    const body = out.subarray(out.indexOf('\r\n\r\n') + 4);
    expect(body.length).toBe(big.length);
    expect(body.equals(big)).toBe(true);
  });
});
