// A recording back end: it stands where php-fpm or uWSGI would, keeps every byte each connection
// sends, and answers each complete request with a canned valid reply so the front end finishes the
// HTTP exchange normally (a front end that gets no reply logs a 502 and may send different bytes).

import net from 'node:net';
import { FCGI, fcgiEndRequest, fcgiRecord } from './wire.mjs';

const CGI_REPLY = 'Status: 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n';
// uwsgi front ends expect an HTTP status line (Apache mod_proxy_uwsgi refuses anything else).
const HTTP_REPLY = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n';

/**
 * Finds the end of the first complete request in `buf` (bytes from the end of the previous request
 * on this connection), or returns null when more bytes are needed.
 * Each returns `{ length, reply, close }`.
 */
const detectors = {
  fastcgi(buf) {
    // Walk whole records; the request is complete at its empty STDIN record (§3.3 stream end).
    let at = 0;
    let keepConn = false;
    while (at + 8 <= buf.length) {
      const type = buf[at + 1];
      const requestId = buf.readUInt16BE(at + 2);
      const contentLength = buf.readUInt16BE(at + 4);
      const end = at + 8 + contentLength + buf[at + 6];
      if (end > buf.length) return null;
      if (type === FCGI.BEGIN_REQUEST) keepConn = (buf[at + 10] & 1) === 1;
      if (type === FCGI.STDIN && contentLength === 0) {
        const reply = Buffer.concat([
          fcgiRecord(FCGI.STDOUT, requestId, Buffer.from(CGI_REPLY, 'latin1')),
          fcgiRecord(FCGI.STDOUT, requestId),
          fcgiEndRequest(requestId, 0, 0),
        ]);
        return { length: end, reply, close: !keepConn };
      }
      at = end;
    }
    return null;
  },

  scgi(buf) {
    // "<len>:" header block "," body of CONTENT_LENGTH bytes; one request per connection.
    const colon = buf.indexOf(0x3a);
    if (colon < 0) return null;
    const blockLength = Number(buf.toString('latin1', 0, colon));
    const blockEnd = colon + 1 + blockLength;
    if (buf.length < blockEnd + 1) return null;
    const fields = buf.toString('latin1', colon + 1, blockEnd).split('\0');
    const contentLength = Number(fields[fields.indexOf('CONTENT_LENGTH') + 1] || 0);
    const end = blockEnd + 1 + contentLength;
    if (buf.length < end) return null;
    return { length: end, reply: Buffer.from(CGI_REPLY, 'latin1'), close: true };
  },

  uwsgi(buf) {
    // 4-byte header (datasize u16 little-endian), vars, then CONTENT_LENGTH bytes of body.
    if (buf.length < 4) return null;
    const varsEnd = 4 + buf.readUInt16LE(1);
    if (buf.length < varsEnd) return null;
    let contentLength = 0;
    for (let at = 4; at + 2 <= varsEnd; ) {
      const keyLength = buf.readUInt16LE(at);
      const key = buf.toString('latin1', at + 2, at + 2 + keyLength);
      const valueLength = buf.readUInt16LE(at + 2 + keyLength);
      const valueStart = at + 4 + keyLength;
      if (key === 'CONTENT_LENGTH') contentLength = Number(buf.toString('latin1', valueStart, valueStart + valueLength) || 0);
      at = valueStart + valueLength;
    }
    const end = varsEnd + contentLength;
    if (buf.length < end) return null;
    return { length: end, reply: Buffer.from(HTTP_REPLY, 'latin1'), close: true };
  },
};

/**
 * Listens on 127.0.0.1 (a free port) or on a unix socket path and records every connection.
 * `take()` returns the bytes each connection sent since the previous `take()`, so a keep-alive
 * connection that carries two requests yields one capture per request.
 */
export async function startFakeBackend(protocol, { path } = {}) {
  const detect = detectors[protocol];
  if (!detect) throw new Error(`unknown protocol ${protocol}`);
  const connections = [];
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const conn = { chunks: [], length: 0, taken: 0, pending: Buffer.alloc(0), requests: 0, closed: false };
    connections.push(conn);
    socket.on('data', (chunk) => {
      conn.chunks.push(chunk);
      conn.length += chunk.length;
      conn.pending = Buffer.concat([conn.pending, chunk]);
      for (;;) {
        const found = detect(conn.pending);
        if (!found) break;
        conn.requests++;
        conn.pending = conn.pending.subarray(found.length);
        socket.write(found.reply);
        if (found.close) {
          socket.end();
          break;
        }
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      conn.closed = true;
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    if (path) server.listen(path, resolve);
    else server.listen(0, '127.0.0.1', resolve);
  });
  const address = path ?? server.address().port;
  return {
    protocol,
    address,
    /** New bytes per connection since the last call: `[{ connection, bytes, requests, closed }]`. */
    take() {
      const out = [];
      connections.forEach((conn, index) => {
        if (conn.length === conn.taken) return;
        const all = Buffer.concat(conn.chunks);
        out.push({ connection: index, bytes: all.subarray(conn.taken), requests: conn.requests, closed: conn.closed });
        conn.taken = conn.length;
      });
      return out;
    },
    connectionCount: () => connections.length,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
