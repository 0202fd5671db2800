import { HEADER_LENGTH, RecordType, Role } from '../constants.js';
import { encodeParams } from '../name-value-encoder.js';
import { encodeBeginRequest, encodeStream } from '../record-encoder.js';
import type { BodySource } from './body-source.js';
import type { ReplayBuffer } from './replay-buffer.js';
import type { PairArray } from './request-params.js';

/** An input stream (STDIN or DATA) still to be sent after the preamble: its bytes, then its empty record. */
export interface PendingStream {
  type: typeof RecordType.STDIN | typeof RecordType.DATA;
  /** undefined: only the terminator is left to send. */
  source: BodySource | undefined;
  /** Set by the client for a stream source: keeps what was read so the request can be resent. */
  replay?: ReplayBuffer;
}

/** A request encoded for request id 1; `setRequestId` retargets it to the id a connection gives it. */
export interface EncodedRequest {
  /** BEGIN_REQUEST, PARAMS, and every input stream that could be packed inline (small bytes or empty). */
  preamble: Buffer;
  /** Input streams to write after the preamble, in order (spec §3.3: PARAMS, then STDIN, then DATA). */
  streams: PendingStream[];
}

/** Inline bodies up to this size: one socket write for the whole request, like nginx's small requests. */
export const INLINE_LIMIT = 64 * 1024;

/**
 * Encodes a request's records up front, so that bad params (a pair too large for one record, a
 * non-latin1 character) fail the call before anything is queued, and so that a retry on another
 * connection re-sends the same bytes.
 *
 * Rules (protocols.md §7.2): PARAMS records hold whole pairs (php-fpm drops split pairs);
 * KEEP_CONN always (the pool owns connection lifetime); the empty STDIN always, even for an empty
 * body, except for an Authorizer without a body (Apache mod_authnz_fcgi sends no STDIN at all);
 * a Filter's DATA stream follows STDIN.
 *
 * @throws InvalidArgumentError `FCGI_ERR_PAIR_TOO_LARGE`, `GW_ERR_NOT_LATIN1`
 */
export function encodeRequest(pairs: PairArray, role: number, body: BodySource | undefined, data: BodySource | undefined): EncodedRequest {
  const parts: Buffer[] = [encodeBeginRequest(1, role, true), encodeParams(1, pairs)];
  const wanted: PendingStream[] = [];
  if (!(role === Role.AUTHORIZER && body === undefined)) wanted.push({ type: RecordType.STDIN, source: body });
  if (role === Role.FILTER) wanted.push({ type: RecordType.DATA, source: data });
  const streams: PendingStream[] = [];
  for (const stream of wanted) {
    const inline = streams.length === 0 && (stream.source === undefined || (stream.source instanceof Uint8Array && stream.source.length <= INLINE_LIMIT));
    if (inline) parts.push(encodeStream(stream.type, 1, (stream.source as Uint8Array | undefined) ?? EMPTY_BYTES, true));
    else streams.push(stream);
  }
  return { preamble: Buffer.concat(parts), streams };
}

const EMPTY_BYTES = new Uint8Array(0);

/**
 * Rewrites the request id of every record in `records` (a run of whole records) in place. Cheaper
 * than encoding again: only two bytes per record header change.
 */
export function setRequestId(records: Buffer, requestId: number): void {
  let at = 0;
  while (at + HEADER_LENGTH <= records.length) {
    records[at + 2] = requestId >> 8;
    records[at + 3] = requestId & 0xff;
    const contentLength = ((records[at + 4] as number) << 8) | (records[at + 5] as number);
    at += HEADER_LENGTH + contentLength + (records[at + 6] as number);
  }
}
