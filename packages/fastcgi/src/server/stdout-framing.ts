import { HEADER_LENGTH, MAX_ALIGNED_CONTENT, ProtocolStatus, RecordType } from '../constants.js';
import { measureStream, writeStreamInto } from '../record-encoder.js';
import { paddingFor, writeHeader } from '../record-header.js';

/**
 * How a response's bytes become STDOUT records (spec §3.3: records of at most 65535 content
 * bytes; we use 65528 so that every record stays 8-byte aligned, as nginx pads its own) and how
 * the response ends: empty STDOUT, empty STDERR if STDERR was used, END_REQUEST (spec §5.3, §5.5).
 *
 * Consecutive chunks are one payload: a head and a body written together share records.
 */

/** The end of a response, when a write carries it. */
export interface ResponseTail {
  stderrUsed: boolean;
  appStatus: number;
}

/** Bytes of the response's tail: empty STDOUT, empty STDERR if used, END_REQUEST. */
export function tailLength(tail: ResponseTail): number {
  return HEADER_LENGTH + (tail.stderrUsed ? HEADER_LENGTH : 0) + HEADER_LENGTH + 8;
}

/** Writes the tail {@link tailLength} measures at `at`; returns the offset after it. */
export function writeTail(out: Buffer, at: number, requestId: number, tail: ResponseTail): number {
  writeHeader(out, at, RecordType.STDOUT, requestId, 0, 0);
  at += HEADER_LENGTH;
  if (tail.stderrUsed) {
    writeHeader(out, at, RecordType.STDERR, requestId, 0, 0);
    at += HEADER_LENGTH;
  }
  // FCGI_EndRequestBody: appStatus (u32, a negative exit code wraps like a C int cast),
  // protocolStatus, 3 reserved bytes.
  writeHeader(out, at, RecordType.END_REQUEST, requestId, 8, 0);
  out.writeUInt32BE(tail.appStatus >>> 0, at + HEADER_LENGTH);
  out[at + 12] = ProtocolStatus.REQUEST_COMPLETE;
  out[at + 13] = 0;
  out[at + 14] = 0;
  out[at + 15] = 0;
  return at + HEADER_LENGTH + 8;
}

/**
 * Copies `chunks` (`bytes` in all), framed as STDOUT records, into one new buffer, followed by
 * `tail` when given: a small response becomes one buffer and one socket write.
 */
export function encodeInto(requestId: number, chunks: Buffer[], bytes: number, tail: ResponseTail | null): Buffer {
  const out = Buffer.allocUnsafe(measureStream(bytes) + (tail === null ? 0 : tailLength(tail)));
  let at = 0;
  if (chunks.length === 1) {
    at = writeStreamInto(out, 0, RecordType.STDOUT, requestId, chunks[0] as Buffer);
  } else if (bytes > 0) {
    // Every piece copied: the walk frameLarge uses, with no piece large enough to go as a view.
    walkRecords(requestId, chunks, bytes, out, null, Number.POSITIVE_INFINITY);
    at = out.length - (tail === null ? 0 : tailLength(tail));
  }
  if (tail !== null) writeTail(out, at, requestId, tail);
  return out;
}

/** Pieces shorter than this are copied next to their record header rather than sent as views. */
const COPY_BELOW = 1024;

/**
 * Frames `chunks` as STDOUT records for a large write without copying the large pieces: record
 * headers, padding, pieces under {@link COPY_BELOW} bytes (a response head, the end of a body cut
 * by a record boundary) and the tail are gathered into runs of one shared buffer, and each large
 * piece goes out as a view between them. A head and a 64 KiB body become three buffers —
 * `[header + head, body view, header + body end + padding + tail]` — where framing each chunk on
 * its own made nine, each costing a socket write call and a Writable entry.
 */
export function frameLarge(requestId: number, chunks: Buffer[], bytes: number, tail: ResponseTail | null): Buffer[] {
  const tailBytes = tail === null ? 0 : tailLength(tail);
  const glue = Buffer.allocUnsafe(walkRecords(requestId, chunks, bytes, null, null) + tailBytes);
  const out: Buffer[] = [];
  const runStart = walkRecords(requestId, chunks, bytes, glue, out);
  let end = glue.length - tailBytes;
  if (tail !== null) end = writeTail(glue, end, requestId, tail);
  if (end > runStart) out.push(glue.subarray(runStart, end));
  return out;
}

/**
 * The one loop of {@link frameLarge} (and of {@link encodeInto}'s several-chunk case, which copies
 * every piece: `copyBelow` = Infinity), run twice: without `glue` it only measures (returns the
 * glue bytes needed); with it, it writes headers, padding and small pieces into `glue`, pushes
 * glue runs and large views to `out` in wire order, and returns where the last, still open run
 * starts (the run ends at the glue's used length).
 */
function walkRecords(requestId: number, chunks: Buffer[], bytes: number, glue: Buffer | null, out: Buffer[] | null, copyBelow = COPY_BELOW): number {
  let at = 0; // next free byte of the glue
  let runStart = 0; // start of the glue run not yet pushed
  let ci = 0; // current chunk
  let co = 0; // offset in it
  let left = bytes;
  while (left > 0) {
    const size = Math.min(MAX_ALIGNED_CONTENT, left);
    const pad = paddingFor(size);
    if (glue !== null) writeHeader(glue, at, RecordType.STDOUT, requestId, size, pad);
    at += HEADER_LENGTH;
    let need = size;
    while (need > 0) {
      const c = chunks[ci] as Buffer;
      const take = Math.min(c.length - co, need);
      if (take < copyBelow) {
        if (glue !== null) c.copy(glue, at, co, co + take);
        at += take;
      } else if (glue !== null && out !== null) {
        if (at > runStart) out.push(glue.subarray(runStart, at));
        out.push(take === c.length ? c : c.subarray(co, co + take));
        runStart = at;
      }
      need -= take;
      co += take;
      if (co === c.length) {
        ci++;
        co = 0;
      }
    }
    if (glue !== null) for (let i = 0; i < pad; i++) glue[at + i] = 0;
    at += pad;
    left -= size;
  }
  return glue === null ? at : runStart;
}
