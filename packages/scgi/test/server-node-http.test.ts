import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, encodeScgiRequest, type ScgiServer } from '../src/index.js';

let server: ScgiServer | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

/** Sends one SCGI request and reads the whole reply (SCGI replies end at close). */
async function roundTrip(port: number, headers: [string, string][], body = ''): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.write(Buffer.concat([encodeScgiRequest(headers, body.length), Buffer.from(body)]));
  const parts: Buffer[] = [];
  socket.on('data', (c) => parts.push(c));
  await new Promise((r) => socket.on('close', r));
  return Buffer.concat(parts).toString('latin1');
}

describe('SCGI server with node:http handlers', () => {
  it('serves a request listener with a CGI head', async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('latin1');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        res.writeHead(201, { 'Content-Type': 'text/plain' });
        res.end(`${req.method} ${req.url} ${req.headers.host} ${body}`);
      });
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const reply = await roundTrip(port, [['SCGI', '1'], ['REQUEST_METHOD', 'POST'], ['REQUEST_URI', '/deepthought'], ['HTTP_HOST', 'h.test']], 'What is the answer?');
    expect(reply.startsWith('Status: 201 Created\r\n')).toBe(true);
    expect(reply.endsWith('\r\n\r\nPOST /deepthought h.test What is the answer?')).toBe(true);
  });
});
