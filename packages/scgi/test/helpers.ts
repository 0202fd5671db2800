/**
 * Test helpers: hand-built SCGI bytes (ByteBuilder, never the encoder under test) and a decoder
 * run that records every handler call as plain data, so runs can be compared with toEqual.
 */
import { ByteBuilder } from '@gw/test-utils';
import type { GatewayError } from '@gw/core';
import { type ScgiDecoderOptions, ScgiRequestDecoder } from '../src/index.js';

export type Pair = readonly [string, string];

/** `name NUL value NUL` for each pair, as latin1 bytes. */
export function headerBlock(pairs: readonly Pair[]): Buffer {
  const b = new ByteBuilder();
  for (const [name, value] of pairs) b.str(name).u8(0).str(value).u8(0);
  return b.build();
}

/** `<length>:<block>,` with the length written as given (default: the block's true length). */
export function netstring(block: Buffer, lengthText = String(block.length)): Buffer {
  return new ByteBuilder().str(lengthText).str(':').bytes(block).str(',').build();
}

/** A whole request: the netstring of `pairs` followed by `body`. */
export function scgiRequest(pairs: readonly Pair[], body: string | Buffer = ''): Buffer {
  const b = new ByteBuilder().bytes(netstring(headerBlock(pairs)));
  return (typeof body === 'string' ? b.str(body) : b.bytes(body)).build();
}

/** The request of protocol.txt's example, byte by byte: a 70-byte header block and a 27-byte body. */
export const SPEC_BLOCK: Buffer = new ByteBuilder()
  .str('CONTENT_LENGTH').u8(0).str('27').u8(0)
  .str('SCGI').u8(0).str('1').u8(0)
  .str('REQUEST_METHOD').u8(0).str('POST').u8(0)
  .str('REQUEST_URI').u8(0).str('/deepthought').u8(0)
  .build();
export const SPEC_BODY = 'What is the answer to life?';
export const SPEC_REQUEST: Buffer = new ByteBuilder().str('70:').bytes(SPEC_BLOCK).str(',').str(SPEC_BODY).build();
export const SPEC_HEADERS: Pair[] = [
  ['CONTENT_LENGTH', '27'],
  ['SCGI', '1'],
  ['REQUEST_METHOD', 'POST'],
  ['REQUEST_URI', '/deepthought'],
];

/** One handler call, as data. Body bytes are hex so that toEqual diffs stay readable. */
export type DecoderEvent =
  | { type: 'headers'; pairs: [string, string][]; contentLength: number; scgiMarkerMissing: boolean }
  | { type: 'body'; hex: string }
  | { type: 'bodyEnd' }
  | { type: 'error'; code: string; offset: number | undefined; kind: string };

export interface DecoderRun {
  decoder: ScgiRequestDecoder;
  events: DecoderEvent[];
  errors: GatewayError[];
  /** The body pieces exactly as delivered (views), for zero-copy checks. */
  bodyPieces: Buffer[];
  /** Largest `bufferedBytes` seen after any push. */
  maxBuffered: number;
}

/** Pushes `chunks` into a fresh decoder (then calls end() unless told not to) and records the calls. */
export function runDecoder(chunks: readonly Buffer[], options?: ScgiDecoderOptions, callEnd = true): DecoderRun {
  const events: DecoderEvent[] = [];
  const errors: GatewayError[] = [];
  const bodyPieces: Buffer[] = [];
  const decoder: ScgiRequestDecoder = new ScgiRequestDecoder(
    {
      onHeaders(headers, contentLength) {
        events.push({ type: 'headers', pairs: headers.toArray(), contentLength, scgiMarkerMissing: decoder.scgiMarkerMissing });
      },
      onBody(chunk) {
        bodyPieces.push(chunk);
        events.push({ type: 'body', hex: chunk.toString('hex') });
      },
      onBodyEnd() {
        events.push({ type: 'bodyEnd' });
      },
      onError(err) {
        errors.push(err);
        events.push({ type: 'error', code: err.code, offset: err.offset, kind: err.constructor.name });
      },
    },
    options,
  );
  let maxBuffered = 0;
  for (const chunk of chunks) {
    decoder.push(chunk);
    maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes);
  }
  if (callEnd) decoder.end();
  return { decoder, events, errors, bodyPieces, maxBuffered };
}

/** Joins adjacent body events, whose boundaries depend on how the input was chunked. */
export function mergeBody(events: readonly DecoderEvent[]): DecoderEvent[] {
  const out: DecoderEvent[] = [];
  for (const e of events) {
    const last = out[out.length - 1];
    if (e.type === 'body' && last?.type === 'body') out[out.length - 1] = { type: 'body', hex: last.hex + e.hex };
    else if (!(e.type === 'body' && e.hex === '')) out.push(e);
  }
  return out;
}
