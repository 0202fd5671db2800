/**
 * "The ceiling": a bare FastCGI responder with no node:http objects, to show what the protocol
 * costs on its own. It parses records minimally (header, KEEP_CONN flag, REQUEST_URI from PARAMS,
 * the end of STDIN), answers with the same head and body as the shared listener in ONE socket
 * write (a single buffer when small; header views + the body, uncopied, in one writev when large)
 * and honours KEEP_CONN. No limits, no validation, no multiplexing fairness: not a server to
 * deploy, a floor for what a node FastCGI server can cost.
 */
import { createServer } from 'node:net';
import { serve } from './lifecycle.mjs';

const BEGIN_REQUEST = 1;
const ABORT_REQUEST = 2;
const END_REQUEST = 3;
const PARAMS = 4;
const STDIN = 5;
const STDOUT = 6;
const MAX_ALIGNED = 65528; // largest 8-aligned record content
const SMALL = 16 * 1024;
const ZEROS = Buffer.alloc(8);

const HELLO = Buffer.from('Hello, World!\n');
const BIG = Buffer.alloc(64 * 1024, 'x');
const headFor = (length) => Buffer.from(`Status: 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${length}\r\n\r\n`, 'latin1');

function writeHeader(buf, at, type, id, length, padding) {
  buf[at] = 1;
  buf[at + 1] = type;
  buf.writeUInt16BE(id, at + 2);
  buf.writeUInt16BE(length, at + 4);
  buf[at + 6] = padding;
  buf[at + 7] = 0;
}

/** Empty STDOUT + END_REQUEST{appStatus 0, REQUEST_COMPLETE}. */
function writeTail(buf, at, id) {
  writeHeader(buf, at, STDOUT, id, 0, 0);
  writeHeader(buf, at + 8, END_REQUEST, id, 8, 0);
  buf.fill(0, at + 16, at + 24);
}

/** A small response: one record with head and body, then the tail, copied into one buffer. */
function smallResponse(id, head, body) {
  const length = head.length + body.length;
  const padding = -length & 7;
  const out = Buffer.allocUnsafe(8 + length + padding + 24);
  writeHeader(out, 0, STDOUT, id, length, padding);
  head.copy(out, 8);
  body.copy(out, 8 + head.length);
  out.fill(0, 8 + length, 8 + length + padding);
  writeTail(out, 8 + length + padding, id);
  return out;
}

/** A large response as pieces: [header, view, padding]… then the tail; the body is not copied. */
function largeResponse(id, head, body) {
  const pieces = [];
  for (const part of [head, body]) {
    for (let at = 0; at < part.length; at += MAX_ALIGNED) {
      const view = part.subarray(at, at + MAX_ALIGNED);
      const padding = -view.length & 7;
      const header = Buffer.allocUnsafe(8);
      writeHeader(header, 0, STDOUT, id, view.length, padding);
      pieces.push(header, view);
      if (padding > 0) pieces.push(ZEROS.subarray(0, padding));
    }
  }
  const tail = Buffer.allocUnsafe(24);
  writeTail(tail, 0, id);
  pieces.push(tail);
  return pieces;
}

/** REQUEST_URI from a PARAMS stream (name-value pairs with 1- or 4-byte lengths). */
function requestUri(params) {
  let at = 0;
  const length = () => {
    const b = params[at];
    if (b < 0x80) return (at += 1), b;
    const n = params.readUInt32BE(at) & 0x7fffffff;
    at += 4;
    return n;
  };
  while (at < params.length) {
    const nameLength = length();
    const valueLength = length();
    const name = params.latin1Slice(at, at + nameLength);
    at += nameLength;
    if (name === 'REQUEST_URI') return params.latin1Slice(at, at + valueLength);
    at += valueLength;
  }
  return '';
}

function respond(socket, id, request) {
  const body = request.uri === '/64k' ? BIG : HELLO;
  const head = headFor(body.length);
  if (head.length + body.length <= SMALL) {
    socket.write(smallResponse(id, head, body));
  } else {
    socket.cork();
    for (const piece of largeResponse(id, head, body)) socket.write(piece);
    socket.uncork();
  }
  if (!request.keepConn) socket.end();
}

function onConnection(socket) {
  const requests = new Map();
  let pending = null;
  socket.setNoDelay(true);
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    const buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    while (buf.length - at >= 8) {
      const type = buf[at + 1];
      const id = buf.readUInt16BE(at + 2);
      const length = buf.readUInt16BE(at + 4);
      const end = at + 8 + length + buf[at + 6];
      if (end > buf.length) break;
      const content = buf.subarray(at + 8, at + 8 + length);
      at = end;
      const request = requests.get(id);
      if (type === BEGIN_REQUEST) {
        requests.set(id, { keepConn: (content[2] & 1) === 1, params: [], uri: '' });
      } else if (request === undefined) {
        continue;
      } else if (type === PARAMS && length > 0) {
        request.params.push(content);
      } else if (type === PARAMS) {
        request.uri = requestUri(request.params.length === 1 ? request.params[0] : Buffer.concat(request.params));
      } else if ((type === STDIN && length === 0) || type === ABORT_REQUEST) {
        requests.delete(id);
        respond(socket, id, request);
      }
    }
    pending = at < buf.length ? buf.subarray(at) : null;
  });
}

serve(createServer(onConnection));
