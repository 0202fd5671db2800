import { ZERO_PADDING } from '@gw/core';
import { HEADER_LENGTH, MAX_ALIGNED_CONTENT, RecordType } from './constants.js';
import { checkRequestId, checkUint, paddingFor, writeHeader } from './record-header.js';

/**
 * Encoders for single FastCGI records. Discrete records are small and built in one allocation;
 * stream payloads are framed without being copied (`frameStream`).
 */

/** BEGIN_REQUEST (spec §5.1): role, and KEEP_CONN when the app must keep the connection open. */
export function encodeBeginRequest(requestId: number, role: number, keepConn: boolean): Buffer {
  checkRequestId(requestId);
  checkUint('role', role, 0xffff);
  const buf = Buffer.alloc(16);
  writeHeader(buf, 0, RecordType.BEGIN_REQUEST, requestId, 8, 0);
  buf[8] = role >> 8;
  buf[9] = role & 0xff;
  buf[10] = keepConn ? 1 : 0;
  return buf;
}

/** ABORT_REQUEST (spec §5.4): no content. */
export function encodeAbortRequest(requestId: number): Buffer {
  checkRequestId(requestId);
  const buf = Buffer.alloc(8);
  writeHeader(buf, 0, RecordType.ABORT_REQUEST, requestId, 0, 0);
  return buf;
}

/** END_REQUEST (spec §5.5): appStatus (u32) then protocolStatus. */
export function encodeEndRequest(requestId: number, appStatus: number, protocolStatus: number): Buffer {
  checkRequestId(requestId);
  checkUint('protocolStatus', protocolStatus, 0xff);
  const buf = Buffer.alloc(16);
  writeHeader(buf, 0, RecordType.END_REQUEST, requestId, 8, 0);
  // appStatus is a u32 exit code; negative exit codes wrap like a C int cast.
  buf.writeUInt32BE(appStatus >>> 0, 8);
  buf[12] = protocolStatus;
  return buf;
}

/** UNKNOWN_TYPE (spec §4.2): the management type that was not understood. */
export function encodeUnknownType(type: number): Buffer {
  checkUint('type', type, 0xff);
  const buf = Buffer.alloc(16);
  writeHeader(buf, 0, RecordType.UNKNOWN_TYPE, 0, 8, 0);
  buf[8] = type;
  return buf;
}

// Prebuilt terminators for request id 1, the id every mainstream web server uses.
const TERMINATORS_ID1: Buffer[] = [];
for (const type of [RecordType.PARAMS, RecordType.STDIN, RecordType.STDOUT, RecordType.STDERR, RecordType.DATA]) {
  const buf = Buffer.alloc(HEADER_LENGTH);
  writeHeader(buf, 0, type, 1, 0, 0);
  TERMINATORS_ID1[type] = buf;
}

/**
 * The empty record that ends a stream (spec §3.3). For request id 1 this is a shared prebuilt
 * buffer: do not modify it.
 */
export function encodeStreamEnd(type: number, requestId: number): Buffer {
  if (requestId === 1) {
    const prebuilt = TERMINATORS_ID1[type];
    if (prebuilt !== undefined) return prebuilt;
  }
  checkRequestId(requestId);
  checkUint('type', type, 0xff);
  const buf = Buffer.alloc(HEADER_LENGTH);
  writeHeader(buf, 0, type, requestId, 0, 0);
  return buf;
}

/** Bytes `frameStream`/`encodeStream` produce for a payload of `length` bytes. */
export function measureStream(length: number): number {
  const full = Math.floor(length / MAX_ALIGNED_CONTENT);
  const rest = length - full * MAX_ALIGNED_CONTENT;
  return full * (HEADER_LENGTH + MAX_ALIGNED_CONTENT) + (rest > 0 ? HEADER_LENGTH + rest + paddingFor(rest) : 0);
}

/**
 * Frames a stream payload as records without copying it: appends `[header, payloadView,
 * padding?]` per record to `out` and returns it. Records carry at most 65528 content bytes, so
 * every record is 8-byte aligned and content + padding ≤ 65535 (php-fpm's limit). All headers
 * share one allocation; padding is a view of a shared zero buffer. An empty payload adds
 * nothing (use encodeStreamEnd for the terminator).
 */
export function frameStream(type: number, requestId: number, payload: Uint8Array, out: Buffer[] = []): Buffer[] {
  checkRequestId(requestId);
  const length = payload.length;
  if (length === 0) return out;
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, length);
  const records = Math.ceil(length / MAX_ALIGNED_CONTENT);
  const headers = Buffer.allocUnsafe(records * HEADER_LENGTH);
  let at = 0;
  for (let i = 0; i < records; i++) {
    const size = Math.min(MAX_ALIGNED_CONTENT, length - at);
    const pad = paddingFor(size);
    writeHeader(headers, i * HEADER_LENGTH, type, requestId, size, pad);
    out.push(headers.subarray(i * HEADER_LENGTH, (i + 1) * HEADER_LENGTH), data.subarray(at, at + size));
    if (pad > 0) out.push(ZERO_PADDING.subarray(0, pad));
    at += size;
  }
  return out;
}

/**
 * The same records as `frameStream`, copied into one buffer. Cheaper than several writes for
 * small payloads; `terminate` appends the stream's empty record as well.
 */
export function encodeStream(type: number, requestId: number, payload: Uint8Array, terminate = false): Buffer {
  checkRequestId(requestId);
  const length = payload.length;
  const size = measureStream(length) + (terminate ? HEADER_LENGTH : 0);
  const buf = Buffer.allocUnsafe(size);
  const at = writeStreamInto(buf, 0, type, requestId, payload);
  if (terminate) writeHeader(buf, at, type, requestId, 0, 0);
  return buf;
}

/**
 * Writes `payload` framed as records into `target` at `at` (which must have
 * `measureStream(payload.length)` bytes free) and returns the offset after it. Lets a connection
 * pack head, body, terminator and END_REQUEST of a small response into one buffer and one write.
 */
export function writeStreamInto(target: Buffer, at: number, type: number, requestId: number, payload: Uint8Array): number {
  const length = payload.length;
  let done = 0;
  while (done < length) {
    const size = Math.min(MAX_ALIGNED_CONTENT, length - done);
    const pad = paddingFor(size);
    writeHeader(target, at, type, requestId, size, pad);
    // The whole payload in one record (most responses): no view to make.
    target.set(size === length ? payload : payload.subarray(done, done + size), at + HEADER_LENGTH);
    at += HEADER_LENGTH + size;
    // At most 7 bytes: stores beat Buffer#fill's argument checks and native call.
    for (let end = at + pad; at < end; at++) target[at] = 0;
    done += size;
  }
  return at;
}
