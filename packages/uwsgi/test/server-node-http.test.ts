import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, encodeUwsgiRequest, type UwsgiServer } from '../src/index.js';

let server: UwsgiServer | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

describe('uwsgi server with node:http handlers', () => {
  it('serves a request listener with an HTTP status line head', async () => {
    server = createServer((req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end(`${req.method} ${req.url} v${req.httpVersion}`);
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const socket = connect(port, '127.0.0.1');
    socket.write(encodeUwsgiRequest([['REQUEST_METHOD', 'GET'], ['REQUEST_URI', '/x?y=1'], ['SERVER_PROTOCOL', 'HTTP/1.1'], ['HTTP_HOST', 'h']]));
    const parts: Buffer[] = [];
    socket.on('data', (c) => parts.push(c));
    await new Promise((r) => socket.on('close', r));
    const reply = Buffer.concat(parts).toString('latin1');
    expect(reply.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    expect(reply.endsWith('\r\n\r\nGET /x?y=1 v1.1')).toBe(true);
  });
});
