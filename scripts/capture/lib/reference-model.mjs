// A second, deliberately naive implementation of the vector model (test-vectors/README.md): it reads
// a whole capture at once and builds the JSON that `expect` holds. The capture tools use it to
// write `expect` for real-server traffic, so the committed expectations come from code that shares
// nothing with the streaming codecs under test. It handles well-formed traffic; it does not try to
// reproduce the codecs' error reporting.

import { createHash } from 'node:crypto';

const TYPE_NAMES = [
  undefined,
  'BEGIN_REQUEST',
  'ABORT_REQUEST',
  'END_REQUEST',
  'PARAMS',
  'STDIN',
  'STDOUT',
  'STDERR',
  'DATA',
  'GET_VALUES',
  'GET_VALUES_RESULT',
  'UNKNOWN_TYPE',
];
const ROLE_NAMES = [undefined, 'RESPONDER', 'AUTHORIZER', 'FILTER'];
const STATUS_NAMES = ['REQUEST_COMPLETE', 'CANT_MPX_CONN', 'OVERLOADED', 'UNKNOWN_ROLE'];
const STREAM_FIELDS = { 5: 'stdin', 6: 'stdout', 7: 'stderr', 8: 'data' };

const named = (names, n) => names[n] ?? `UNKNOWN_${n}`;

/** `{ bytes, sha256, terminated }` for a byte stream. */
export function streamSummary(data, terminated) {
  return { bytes: data.length, sha256: createHash('sha256').update(data).digest('hex'), terminated };
}

/** FastCGI name-value pairs of a whole buffer (§3.4), as latin1 [name, value] strings. */
export function fcgiPairsOf(buf) {
  const pairs = [];
  let at = 0;
  const length = () => {
    if (buf[at] & 0x80) {
      const n = buf.readUInt32BE(at) & 0x7fffffff;
      at += 4;
      return n;
    }
    return buf[at++];
  };
  while (at < buf.length) {
    const nameLength = length();
    const valueLength = length();
    const name = buf.toString('latin1', at, at + nameLength);
    at += nameLength;
    pairs.push([name, buf.toString('latin1', at, at + valueLength)]);
    at += valueLength;
  }
  if (at !== buf.length) throw new Error('pair overruns its stream');
  return pairs;
}

/**
 * The fastcgi model of a whole byte stream (either direction). Request entries follow the
 * `gw inspect` rules: BEGIN_REQUEST always opens a new entry for its id (keep-conn connections
 * reuse ids), any other application record (types 1-8) opens one when none is open, and
 * END_REQUEST closes it. Unknown types (0, 12-255) appear only in `records`.
 */
export function fastcgiModel(buf) {
  const records = [];
  const requests = [];
  const open = new Map();
  const management = [];
  let lastEnd = 0;
  const start = (requestId) => {
    const r = { requestId, role: null, keepConn: null, params: null, stdin: null, data: null, stdout: null, stderr: null, end: null };
    Object.defineProperty(r, 'work', { value: { paramsBytes: [], streams: {} } });
    requests.push(r);
    open.set(requestId, r);
    return r;
  };
  const entry = (requestId) => open.get(requestId) ?? start(requestId);
  for (let at = 0; at + 8 <= buf.length; ) {
    const type = buf[at + 1];
    const requestId = buf.readUInt16BE(at + 2);
    const contentLength = buf.readUInt16BE(at + 4);
    const paddingLength = buf[at + 6];
    records.push({ type, typeName: named(TYPE_NAMES, type), requestId, contentLength, paddingLength });
    if (requestId !== 0 && type >= 1 && type <= 8 && (type === 1 || !open.has(requestId))) start(requestId);
    const end = at + 8 + contentLength + paddingLength;
    if (end > buf.length) break;
    const content = buf.subarray(at + 8, at + 8 + contentLength);
    if (type === 1) {
      const r = entry(requestId);
      r.role = named(ROLE_NAMES, content.readUInt16BE(0));
      r.keepConn = (content[2] & 1) === 1;
    } else if (type === 3) {
      entry(requestId).end = { appStatus: content.readUInt32BE(0), protocolStatus: named(STATUS_NAMES, content[4]) };
      open.delete(requestId);
    } else if (type === 4) {
      const { work } = entry(requestId);
      if (contentLength > 0) work.paramsBytes.push(content);
      else {
        const r = entry(requestId);
        r.params = [...(r.params ?? []), ...fcgiPairsOf(Buffer.concat(work.paramsBytes))];
        work.paramsBytes = [];
      }
    } else if (STREAM_FIELDS[type]) {
      const { work } = entry(requestId);
      const field = STREAM_FIELDS[type];
      work.streams[field] ??= { chunks: [], terminated: false };
      const s = work.streams[field];
      if (contentLength > 0) s.chunks.push(content);
      else s.terminated = true;
    } else if (type === 9 || type === 10) {
      management.push({ typeName: TYPE_NAMES[type], pairs: fcgiPairsOf(content) });
    } else if (type === 11) {
      management.push({ typeName: 'UNKNOWN_TYPE', pairs: [], unknownType: content[0] });
    }
    lastEnd = end;
    at = end;
  }
  for (const r of requests) {
    for (const [field, s] of Object.entries(r.work.streams)) r[field] = streamSummary(Buffer.concat(s.chunks), s.terminated);
  }
  return { records, requests: requests.map((r) => ({ ...r })), management, trailingBytes: buf.length - lastEnd };
}

/** Every `name NUL value NUL` pair of an SCGI header block. */
function scgiPairsOf(block) {
  const fields = block.toString('latin1').split('\0');
  fields.pop(); // the block ends with NUL, so the last split field is empty
  const pairs = [];
  for (let i = 0; i < fields.length; i += 2) pairs.push([fields[i], fields[i + 1]]);
  return pairs;
}

/** The scgi to-app model: headers, then CONTENT_LENGTH bytes of body. */
export function scgiRequestModel(buf) {
  const colon = buf.indexOf(0x3a);
  const blockLength = Number(buf.toString('latin1', 0, colon));
  const blockEnd = colon + 1 + blockLength;
  const headers = scgiPairsOf(buf.subarray(colon + 1, blockEnd));
  const contentLength = Number(headers.find(([n]) => n === 'CONTENT_LENGTH')?.[1] ?? 0);
  const body = buf.subarray(blockEnd + 1, blockEnd + 1 + contentLength);
  return { headers, body: streamSummary(body, body.length === contentLength) };
}

/** The uwsgi to-app model: header fields, vars (u16 LE lengths), then CONTENT_LENGTH bytes of body. */
export function uwsgiRequestModel(buf) {
  if (buf.length === 0) return { modifier1: null, modifier2: null, datasize: null, vars: null, body: null };
  const datasize = buf.readUInt16LE(1);
  const vars = [];
  for (let at = 4; at < 4 + datasize; ) {
    const keyLength = buf.readUInt16LE(at);
    const key = buf.toString('latin1', at + 2, at + 2 + keyLength);
    const valueLength = buf.readUInt16LE(at + 2 + keyLength);
    const valueStart = at + 4 + keyLength;
    vars.push([key, buf.toString('latin1', valueStart, valueStart + valueLength)]);
    at = valueStart + valueLength;
  }
  // The last CONTENT_LENGTH wins, as in uWSGI (each occurrence overwrites the body length).
  const contentLength = Number(vars.findLast(([n]) => n === 'CONTENT_LENGTH')?.[1] || 0);
  const body = buf.subarray(4 + datasize, 4 + datasize + contentLength);
  return {
    modifier1: buf[0],
    modifier2: buf[3],
    datasize,
    vars,
    body: streamSummary(body, body.length === contentLength),
  };
}

/**
 * The to-server model of an SCGI or uwsgi reply: a CGI (`Status:`) or HTTP status-line head, then
 * the body up to connection close (so `terminated` is always true).
 */
export function responseModel(buf) {
  let headEnd = -1;
  let bodyStart = -1;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== 0x0a) continue;
    if (buf[i + 1] === 0x0a) {
      headEnd = i;
      bodyStart = i + 2;
      break;
    }
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) {
      headEnd = i;
      bodyStart = i + 3;
      break;
    }
  }
  const lines = buf.toString('latin1', 0, headEnd).split('\n').map((l) => l.replace(/\r$/, ''));
  let status = 200;
  const headers = [];
  const statusLine = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(lines[0] ?? '');
  if (statusLine) {
    status = Number(statusLine[1]);
    lines.shift();
  }
  let statusField = false;
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    // A CGI head's Status field becomes the status and leaves the field list (RFC 3875 §6.3.3).
    if (!statusLine && name.toLowerCase() === 'status') {
      status = Number(value.slice(0, 3));
      statusField = true;
      continue;
    }
    headers.push([name, value]);
  }
  // RFC 3875 §6.2.3/§6.2.2: Location without Status is a redirect, answered with 302.
  if (!statusLine && !statusField && headers.some(([n]) => n.toLowerCase() === 'location')) status = 302;
  return { response: { status, headers, body: streamSummary(buf.subarray(bodyStart), true) } };
}
