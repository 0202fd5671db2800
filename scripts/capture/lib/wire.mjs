// Hand-rolled wire builders for the capture tools: canned replies for the fake back ends and the
// requests the recording client sends to php-fpm and uWSGI. Deliberately independent of the gw
// codecs, so a capture never depends on the code it is meant to test.

/** FastCGI record types (FastCGI 1.0 §8). */
export const FCGI = {
  BEGIN_REQUEST: 1,
  ABORT_REQUEST: 2,
  END_REQUEST: 3,
  PARAMS: 4,
  STDIN: 5,
  STDOUT: 6,
  STDERR: 7,
  DATA: 8,
  GET_VALUES: 9,
  GET_VALUES_RESULT: 10,
  UNKNOWN_TYPE: 11,
};

/** One FastCGI record; content padded to a multiple of 8 when `align` (what nginx and PHP do). */
export function fcgiRecord(type, requestId, content = Buffer.alloc(0), align = true) {
  const padding = align ? (8 - (content.length % 8)) % 8 : 0;
  const header = Buffer.from([1, type, requestId >> 8, requestId & 0xff, content.length >> 8, content.length & 0xff, padding, 0]);
  return Buffer.concat([header, content, Buffer.alloc(padding)]);
}

/** A stream's records: data cut into ≤ 65528-byte records, then the empty terminator. */
export function fcgiStream(type, requestId, data) {
  const out = [];
  for (let at = 0; at < data.length; at += 0xfff8) out.push(fcgiRecord(type, requestId, data.subarray(at, at + 0xfff8)));
  out.push(fcgiRecord(type, requestId));
  return Buffer.concat(out);
}

/** FastCGI name-value pairs (§3.4): 1-byte lengths up to 127, 4-byte lengths (high bit set) above. */
export function fcgiPairs(pairs) {
  const parts = [];
  const len = (n) => (n > 127 ? Buffer.from([0x80 | (n >>> 24), (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]) : Buffer.from([n]));
  for (const [name, value] of pairs) {
    const n = Buffer.from(name, 'latin1');
    const v = Buffer.from(value, 'latin1');
    parts.push(len(n.length), len(v.length), n, v);
  }
  return Buffer.concat(parts);
}

/** BEGIN_REQUEST body: role u16 BE, flags, five reserved bytes. */
export function fcgiBeginRequest(requestId, role, keepConn) {
  return fcgiRecord(FCGI.BEGIN_REQUEST, requestId, Buffer.from([role >> 8, role & 0xff, keepConn ? 1 : 0, 0, 0, 0, 0, 0]));
}

/** END_REQUEST body: appStatus u32 BE, protocolStatus, three reserved bytes. */
export function fcgiEndRequest(requestId, appStatus = 0, protocolStatus = 0) {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(appStatus, 0);
  body[4] = protocolStatus;
  return fcgiRecord(FCGI.END_REQUEST, requestId, body);
}

/** A whole responder request: BEGIN, one PARAMS record + terminator, STDIN + terminator. */
export function fcgiRequest({ requestId = 1, keepConn = false, params, body = Buffer.alloc(0) }) {
  return Buffer.concat([
    fcgiBeginRequest(requestId, 1, keepConn),
    fcgiRecord(FCGI.PARAMS, requestId, fcgiPairs(params)),
    fcgiRecord(FCGI.PARAMS, requestId),
    fcgiStream(FCGI.STDIN, requestId, body),
  ]);
}

/** An SCGI request: netstring of NUL-separated headers (CONTENT_LENGTH first, as the spec asks), then the body. */
export function scgiRequest(params, body = Buffer.alloc(0)) {
  const block = Buffer.concat(params.flatMap(([n, v]) => [Buffer.from(n, 'latin1'), Buffer.from([0]), Buffer.from(v, 'latin1'), Buffer.from([0])]));
  return Buffer.concat([Buffer.from(`${block.length}:`, 'latin1'), block, Buffer.from(',', 'latin1'), body]);
}

/** A uwsgi request: modifier1, datasize (u16 LE), modifier2, then u16-LE-prefixed keys and values. */
export function uwsgiRequest(params, body = Buffer.alloc(0), modifier1 = 0, modifier2 = 0) {
  const parts = [];
  const u16le = (n) => Buffer.from([n & 0xff, n >> 8]);
  for (const [name, value] of params) {
    const n = Buffer.from(name, 'latin1');
    const v = Buffer.from(value, 'latin1');
    parts.push(u16le(n.length), n, u16le(v.length), v);
  }
  const vars = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([modifier1]), u16le(vars.length), Buffer.from([modifier2]), vars, body]);
}
