/**
 * Test helpers for the response-head decoder: run a byte stream through it cut in many ways and
 * reduce what happened to a plain, comparable value.
 */
import { expect } from 'vitest';
import { bytewise, everySplit, isolate } from '@gw/test-utils';
import { GatewayError, type ResponseHead, ResponseHeadDecoder, type ResponseHeadDecoderOptions } from '../src/index.js';

/** What decoding one stream produced: the head and the body bytes after it, or the error. */
export type Outcome =
  | { ok: true; head: ResponseHead; headLength: number; body: string }
  | { ok: false; code: string; offset: number | undefined; errorClass: string };

/**
 * Pushes `chunks` in order, hands every byte after the head to the "body", then calls `end()`.
 * Errors other than GatewayErrors propagate (they are bugs).
 */
export function decodeChunks(chunks: readonly Buffer[], options?: ResponseHeadDecoderOptions): Outcome {
  const decoder = new ResponseHeadDecoder(options);
  let head: ResponseHead | undefined;
  let headLength = 0;
  const body: Buffer[] = [];
  try {
    for (const chunk of chunks) {
      if (head !== undefined) {
        body.push(chunk);
        continue;
      }
      const done = decoder.push(chunk);
      if (done !== undefined) {
        ({ head, headLength } = done);
        body.push(done.rest);
      }
    }
    decoder.end();
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    return { ok: false, code: err.code, offset: err.offset, errorClass: err.name };
  }
  if (head === undefined) throw new Error('end() returned without a head');
  return { ok: true, head, headLength, body: Buffer.concat(body).toString('latin1') };
}

/**
 * Decodes `bytes` whole, one byte per chunk, and cut in two at every index (each chunk in its own
 * ArrayBuffer), asserts all of them agree, and returns the outcome.
 */
export function decodeEveryWay(bytes: Buffer | string, options?: ResponseHeadDecoderOptions): Outcome {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  const whole = decodeChunks([buf], options);
  expect(decodeChunks(isolate(bytewise(buf)), options), 'byte by byte').toEqual(whole);
  for (const split of everySplit(buf)) {
    expect(decodeChunks(isolate(split), options), `split at ${split[0]?.length}`).toEqual(whole);
  }
  return whole;
}

/** Decodes every way and returns the head; fails the test if decoding failed. */
export function headOf(bytes: Buffer | string, options?: ResponseHeadDecoderOptions): ResponseHead & { body: string; headLength: number } {
  const out = decodeEveryWay(bytes, options);
  if (!out.ok) throw new Error(`expected a head, got ${out.code} at ${String(out.offset)}`);
  return { ...out.head, body: out.body, headLength: out.headLength };
}

/** Decodes every way and returns the error's code and offset; fails the test if decoding succeeded. */
export function errorOf(bytes: Buffer | string, options?: ResponseHeadDecoderOptions): { code: string; offset: number | undefined; errorClass: string } {
  const out = decodeEveryWay(bytes, options);
  if (out.ok) throw new Error(`expected an error, got status ${out.head.status}`);
  return { code: out.code, offset: out.offset, errorClass: out.errorClass };
}
