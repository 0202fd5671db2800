import { type GatewayError, LimitError, ParamList, ProtocolError } from '@gw/core';
import { FastCgiErrorCode as Code } from './error-codes.js';

/** Limits that apply to one name-value stream (a request's PARAMS, or a GET_VALUES body). */
export interface PairLimits {
  readonly maxParamsBytes: number;
  readonly maxParamsPairs: number;
  readonly maxNameLength: number;
  readonly maxValueLength: number;
}

/**
 * Decodes one FastCGI name-value byte stream (spec §3.4) fed as segments — the contents of
 * consecutive PARAMS records, in whatever pieces the socket delivered them.
 *
 * Pair boundaries are independent of record and chunk boundaries (spec Appendix B splits
 * "SER|VER_ADDR" across two records), so this is its own small state machine one level above
 * the record decoder. A pair inside one segment is added to the ParamList as a view (no copy).
 * A pair that straddles segments is copied once into a buffer of exactly name+value bytes,
 * allocated only after both lengths are known and checked against the limits.
 */
export class PairStreamParser {
  /** Bytes fed so far (the whole stream, length prefixes included). */
  bytes = 0;

  readonly #limits: PairLimits;
  /** The pairs decoded so far: a fresh list per stream (see `begin`), null once released. */
  #params: ParamList | null;
  /** Request id the stream belongs to (0 for GET_VALUES), attached to errors. */
  #requestId: number;
  /** Length-prefix bytes of a pair whose prefixes were cut by a segment end (at most 8). */
  #prefix: Buffer | null = null;
  #prefixFill = 0;
  /** Absolute offset of the stashed prefix's first byte (it may lie in an earlier record). */
  #prefixOffset = 0;
  /** Destination of a straddling pair's name+value bytes, or null when no pair is pending. */
  #pending: Buffer | null = null;
  #pendingFill = 0;
  #pendingNameLength = 0;
  /** Stream position of the current segment's first byte. */
  #segBase = 0;
  /** Bytes the stream is expected to hold (see the constructor), for sizing its pair table. */
  #sizeHint = 0;

  /**
   * @param sizeHint bytes the stream is expected to hold (the first record's content length):
   *   with the pairs counted in the first segment, sizes the ParamList's pair table once.
   *   Default 0: sized from the first segment alone.
   */
  constructor(limits: PairLimits, requestId: number, sizeHint = 0) {
    this.#limits = limits;
    this.#requestId = requestId;
    this.#params = sizeHint === IDLE ? null : new ParamList();
    this.#sizeHint = Math.max(0, sizeHint);
  }

  /**
   * A parser with no stream yet, as after {@link release}: `begin` starts the first. For a
   * decoder that keeps one parser for stream after stream (no list made only to be dropped).
   */
  static idle(limits: PairLimits): PairStreamParser {
    return new PairStreamParser(limits, 0, IDLE);
  }

  /**
   * The pairs of the stream decoded so far (all of them once `finish` succeeded); after
   * `release`, a new empty list on every read.
   */
  get params(): ParamList {
    return this.#params ?? new ParamList();
  }

  /** True while a pair is only partly received. */
  get midPair(): boolean {
    return this.#prefixFill > 0 || this.#pending !== null;
  }

  /**
   * Starts a new stream on this parser, with a new ParamList: lets a decoder keep one parser for
   * the stream after stream instead of allocating one per request. The list of the previous
   * stream is not touched again, so whoever holds it keeps a valid list. Same parameters as
   * the constructor's (limits stay).
   */
  begin(requestId: number, sizeHint = 0): void {
    this.#params = new ParamList();
    this.#sizeHint = Math.max(0, sizeHint);
    this.#requestId = requestId;
    this.bytes = 0;
    this.#prefixFill = 0;
    this.#pending = null;
    this.#segBase = 0;
  }

  /**
   * Drops the stream's list and any partial pair (after `finish`, or when the stream is
   * abandoned), so an idle parser pins neither the last request's pairs nor its input chunks.
   * `params` is then an empty list, and `feed` throws, until `begin` starts the next stream.
   */
  release(): void {
    this.#params = null;
    this.#pending = null;
    this.#prefixFill = 0;
  }

  /**
   * Feeds the next segment, `seg[start, end)` (passed as a range rather than a view: making a
   * view per record costs an allocation on the hot path). `offset` is the absolute stream offset
   * of `seg[start]`, for errors. `final` says no bytes follow this segment, so a cut pair is
   * reported at once instead of being buffered. Returns an error, or undefined.
   */
  feed(seg: Buffer, start: number, end: number, offset: number, final = false): GatewayError | undefined {
    // Positions below are indices into seg; offsets for errors are offset + (p - start).
    offset -= start;
    const segBase = this.bytes - start;
    this.#segBase = segBase;
    this.bytes += end - start;
    let p = start;
    if (this.#pending !== null) {
      p = this.#fillPending(seg, start, end);
      if (this.#pending !== null) return final ? this.#truncated(offset + end) : undefined;
    } else if (this.#prefixFill > 0) {
      const r = this.#completePrefix(seg, start, end, offset, final);
      if (typeof r !== 'number') return r;
      p = r;
      if (this.midPair) return final ? this.#truncated(offset + end) : undefined;
    }
    const l = this.#limits;
    const maxName = l.maxNameLength;
    const maxValue = l.maxValueLength;
    const maxBytes = l.maxParamsBytes;
    // A pair that ends inside a segment lying wholly within the byte budget is within it too, so
    // the usual segment (a PARAMS record, checked against maxParamsBytes at its header) needs no
    // budget test per pair; only a pair running past the segment's end is tested.
    const segmentFits = this.bytes <= maxBytes;
    const params = this.#params;
    // A caller bug, not bad input: there is no stream to add pairs to.
    if (params === null) throw new Error('PairStreamParser.feed after release() without begin()');
    // The stream's first bytes: size the pair table from the pairs they hold (one pass over the
    // length prefixes), so that it is allocated once at its final size instead of grown.
    if (segBase + start === 0) params.reserve(pairsIn(seg, start, end, this.#sizeHint));
    let pairsLeft = l.maxParamsPairs - params.length;
    while (p < end) {
      // Spec §3.4: the high bit of a length's first byte selects the 4-byte form.
      const b0 = seg[p] as number;
      const nameWidth = b0 < 0x80 ? 1 : 4;
      if (p + nameWidth >= end) return this.#stashPrefix(seg, p, end, offset, final);
      const b1 = seg[p + nameWidth] as number;
      const valueWidth = b1 < 0x80 ? 1 : 4;
      const head = nameWidth + valueWidth;
      if (p + head > end) return this.#stashPrefix(seg, p, end, offset, final);
      const nameLength = nameWidth === 1 ? b0 : readLength4(seg, p);
      const valueLength = valueWidth === 1 ? b1 : readLength4(seg, p + nameWidth);
      const data = p + head;
      const pairEnd = data + nameLength + valueLength;
      // One combined test on the hot path; #check builds the precise error when it fails.
      if (nameLength > maxName || valueLength > maxValue || pairsLeft <= 0 || ((!segmentFits || pairEnd > end) && segBase + pairEnd > maxBytes)) {
        const err = this.#check(nameLength, valueLength, head, offset + p, segBase + p);
        if (err) return err;
      }
      if (pairEnd <= end) {
        params.addView(seg, data, nameLength, data + nameLength, valueLength);
        pairsLeft--;
        p = pairEnd;
        continue;
      }
      if (final) return this.#truncated(offset + end);
      this.#startPending(nameLength, valueLength);
      this.#fillPending(seg, data, end);
      return undefined;
    }
    return undefined;
  }

  /** Ends the stream; an unfinished pair is an error (offset = where the stream ended). */
  finish(offset: number): GatewayError | undefined {
    return this.midPair ? this.#truncated(offset) : undefined;
  }

  /** Checks a pair's lengths before any of its bytes are buffered. */
  #check(nameLength: number, valueLength: number, head: number, pairOffset: number, streamPos: number): GatewayError | undefined {
    const l = this.#limits;
    if ((this.#params as ParamList).length >= l.maxParamsPairs) {
      return new LimitError(Code.TOO_MANY_PARAMS, `more than ${l.maxParamsPairs} name-value pairs`, {
        offset: pairOffset,
        requestId: this.#requestId,
        limit: 'maxParamsPairs',
        limitValue: l.maxParamsPairs,
      });
    }
    if (nameLength > l.maxNameLength) {
      return new LimitError(Code.NAME_TOO_LONG, `name of ${nameLength} bytes exceeds maxNameLength`, {
        offset: pairOffset,
        requestId: this.#requestId,
        limit: 'maxNameLength',
        limitValue: l.maxNameLength,
      });
    }
    if (valueLength > l.maxValueLength) {
      return new LimitError(Code.VALUE_TOO_LONG, `value of ${valueLength} bytes exceeds maxValueLength`, {
        offset: pairOffset,
        requestId: this.#requestId,
        limit: 'maxValueLength',
        limitValue: l.maxValueLength,
      });
    }
    // The declared pair must end within the params budget: refuses a pair that could never
    // complete before buffering any of it (a small record announcing a 2 GiB value).
    if (streamPos + head + nameLength + valueLength > l.maxParamsBytes) {
      return new LimitError(Code.PARAMS_TOO_LARGE, 'name-value pair exceeds maxParamsBytes', {
        offset: pairOffset,
        requestId: this.#requestId,
        limit: 'maxParamsBytes',
        limitValue: l.maxParamsBytes,
      });
    }
    return undefined;
  }

  #truncated(offset: number): GatewayError {
    return new ProtocolError(Code.TRUNCATED_PAIR, 'name-value stream ends inside a pair', { offset, requestId: this.#requestId });
  }

  /** Keeps the (< 8) prefix bytes left at the end of a segment. */
  #stashPrefix(seg: Buffer, p: number, end: number, offset: number, final: boolean): GatewayError | undefined {
    if (final) return this.#truncated(offset + end);
    this.#prefix ??= Buffer.alloc(8);
    seg.copy(this.#prefix, 0, p, end);
    this.#prefixFill = end - p;
    this.#prefixOffset = offset + p;
    return undefined;
  }

  /**
   * Adds bytes from `seg` to a stashed prefix until both lengths are known, then starts the
   * pending pair. Returns the position in `seg` after the bytes it took, or an error.
   */
  #completePrefix(seg: Buffer, start: number, end: number, offset: number, final: boolean): number | GatewayError {
    let p = start;
    const pre = this.#prefix as Buffer;
    for (;;) {
      const fill = this.#prefixFill;
      const nameWidth = (pre[0] as number) < 0x80 ? 1 : 4;
      const need = fill <= nameWidth ? nameWidth + 1 : nameWidth + ((pre[nameWidth] as number) < 0x80 ? 1 : 4);
      if (fill >= need) break;
      if (p >= end) return final ? this.#truncated(offset + end) : end;
      pre[this.#prefixFill++] = seg[p++] as number;
    }
    const nameWidth = (pre[0] as number) < 0x80 ? 1 : 4;
    const nameLength = nameWidth === 1 ? (pre[0] as number) : readLength4(pre, 0);
    const valueLength = (pre[nameWidth] as number) < 0x80 ? (pre[nameWidth] as number) : readLength4(pre, nameWidth);
    const head = this.#prefixFill;
    const pairOffset = this.#prefixOffset;
    this.#prefixFill = 0;
    const err = this.#check(nameLength, valueLength, head, pairOffset, this.#segBase + p - head);
    if (err) return err;
    this.#startPending(nameLength, valueLength);
    return this.#fillPending(seg, p, end);
  }

  #startPending(nameLength: number, valueLength: number): void {
    this.#pending = Buffer.allocUnsafe(nameLength + valueLength);
    this.#pendingFill = 0;
    this.#pendingNameLength = nameLength;
  }

  /** Copies what `seg` has of the pending pair; completes it when full. Returns the next position. */
  #fillPending(seg: Buffer, p: number, end: number): number {
    const pending = this.#pending as Buffer;
    const take = Math.min(pending.length - this.#pendingFill, end - p);
    seg.copy(pending, this.#pendingFill, p, p + take);
    this.#pendingFill += take;
    if (this.#pendingFill === pending.length) {
      const n = this.#pendingNameLength;
      (this.#params as ParamList).addView(pending, 0, n, n, pending.length - n);
      this.#pending = null;
    }
    return p + take;
  }
}

/** The size hint that makes the constructor start idle (see PairStreamParser.idle). */
const IDLE = -1;

/**
 * Pairs a stream will hold, from its first segment `seg[p, end)`: the pairs that start there,
 * scaled up when the stream is expected to be longer than the segment (`streamBytes`: the first
 * record's length, when the segment is only part of it), plus a little spare. A guess that falls
 * short only costs the table a growth step.
 */
function pairsIn(seg: Buffer, start: number, end: number, streamBytes: number): number {
  let pairs = 0;
  let p = start;
  while (p < end) {
    pairs++;
    const b0 = seg[p] as number;
    const nameWidth = b0 < 0x80 ? 1 : 4;
    if (p + nameWidth >= end) break;
    const b1 = seg[p + nameWidth] as number;
    const valueWidth = b1 < 0x80 ? 1 : 4;
    if (p + nameWidth + valueWidth > end) break;
    p += nameWidth + valueWidth + (nameWidth === 1 ? b0 : readLength4(seg, p)) + (valueWidth === 1 ? b1 : readLength4(seg, p + nameWidth));
  }
  const seen = end - start;
  if (streamBytes <= seen) return pairs;
  // Pairs in the rest of the stream at this segment's density (+2 spare), but no more than one
  // per 16 bytes: a first segment of a few bytes says little, and the table must stay small.
  return Math.min(Math.ceil((pairs * streamBytes) / seen) + 2, (streamBytes >> 4) + 4);
}

/** A 4-byte length (spec §3.4): 31 bits big-endian, the top bit being the width marker. */
function readLength4(buf: Buffer, p: number): number {
  return (((buf[p] as number) & 0x7f) * 0x1000000) + ((buf[p + 1] as number) << 16) + ((buf[p + 2] as number) << 8) + (buf[p + 3] as number);
}
