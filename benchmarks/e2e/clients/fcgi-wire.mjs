/**
 * Just enough FastCGI for the load clients, written from the spec (no gw code on the client side,
 * so a gw encoder bug cannot hide a gw decoder bug): request records out, response records in.
 */
export const BEGIN_REQUEST = 1;
export const END_REQUEST = 3;
export const PARAMS = 4;
export const STDIN = 5;
export const STDOUT = 6;
export const STDERR = 7;
/** Largest 8-aligned record content: STDIN records of this size need no padding. */
export const MAX_ALIGNED = 65528;

/** One record; content ≤ 65535 bytes, padded to a multiple of 8. */
export function record(type, id, content = Buffer.alloc(0)) {
  const padding = -content.length & 7;
  const out = Buffer.alloc(8 + content.length + padding);
  out[0] = 1;
  out[1] = type;
  out.writeUInt16BE(id, 2);
  out.writeUInt16BE(content.length, 4);
  out[6] = padding;
  content.copy(out, 8);
  return out;
}

/** BEGIN_REQUEST (Responder) + PARAMS + empty PARAMS: the start of a request, like nginx sends it. */
export function requestStart(id, params, keepConn) {
  const begin = Buffer.from([0, 1, keepConn ? 1 : 0, 0, 0, 0, 0, 0]);
  const pairs = [];
  for (const [name, value] of Object.entries(params)) {
    for (const s of [name, value]) {
      const n = Buffer.byteLength(s);
      pairs.push(n < 128 ? Buffer.from([n]) : Buffer.from([(n >>> 24) | 0x80, n >>> 16, n >>> 8, n]));
    }
    pairs.push(Buffer.from(name), Buffer.from(value));
  }
  return Buffer.concat([record(BEGIN_REQUEST, id, begin), record(PARAMS, id, Buffer.concat(pairs)), record(PARAMS, id)]);
}

/** CGI params of a request as nginx's fastcgi_params would send them. */
export function nginxLikeParams(method, uri, contentLength = '') {
  return {
    QUERY_STRING: '',
    REQUEST_METHOD: method,
    CONTENT_TYPE: contentLength ? 'application/octet-stream' : '',
    CONTENT_LENGTH: contentLength,
    SCRIPT_NAME: uri,
    REQUEST_URI: uri,
    DOCUMENT_URI: uri,
    SERVER_PROTOCOL: 'HTTP/1.1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    REMOTE_ADDR: '127.0.0.1',
    REMOTE_PORT: '40000',
    SERVER_ADDR: '127.0.0.1',
    SERVER_PORT: '80',
    SERVER_NAME: 'localhost',
    HTTP_HOST: 'localhost',
  };
}

/**
 * Reads response records from a socket; calls `onEnd(stdout, appStatus, protocolStatus)` at each
 * END_REQUEST. Returns nothing; keeps reading until the socket closes.
 */
export function readResponses(socket, onEnd) {
  let pending = Buffer.alloc(0);
  let stdout = [];
  socket.on('data', (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    while (pending.length - at >= 8) {
      const type = pending[at + 1];
      const length = pending.readUInt16BE(at + 4);
      const end = at + 8 + length + pending[at + 6];
      if (end > pending.length) break;
      const content = pending.subarray(at + 8, at + 8 + length);
      if (type === STDOUT && length > 0) stdout.push(Buffer.from(content));
      if (type === END_REQUEST) {
        const out = Buffer.concat(stdout);
        stdout = [];
        onEnd(out, content.readUInt32BE(0), content[4]);
      }
      at = end;
    }
    pending = pending.subarray(at);
  });
}
