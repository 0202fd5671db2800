import type { ReadableStreamReadResult } from 'node:stream/web';
import { encodeCgiHead, encodeHttpHead } from '@gw/core';
import type { HeadFormat } from './sink.js';

/** Where a Fetch Response goes (implemented by FetchExchange). */
export interface ResponseOutput {
  readonly headFormat: HeadFormat;
  /** True once the request was aborted: stop reading the body. */
  readonly gone: boolean;
  /** ResponseSink.write; false = wait for {@link ResponseOutput.drained} before writing more. */
  write(chunks: Buffer[], end: boolean): boolean;
  /** Resolves when the sink drained, or when the request was aborted. */
  drained(): Promise<void>;
}

/**
 * Bytes the writer collects before a write even when the body keeps producing. Below this, chunks
 * that arrive within one turn of the event loop share one sink write.
 */
const COALESCE_BYTES = 64 * 1024;

// Fields with no place in a CGI/uwsgi head: the connection ones (RFC 3875 §6.3.4; the web server
// frames the client response itself) and `status`, which is written from response.status.
const DROPPED_FIELDS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'trailer', 'status']);

/** The head of a Fetch Response in the sink's format. Headers yield lower-case names. */
export function encodeFetchHead(format: HeadFormat, response: Response): Buffer {
  const fields: [string, string][] = [];
  for (const field of response.headers) if (!DROPPED_FIELDS.has(field[0])) fields.push(field);
  // An empty statusText means "not given" (new Response(body, { status })): use the standard phrase.
  const text = response.statusText === '' ? undefined : response.statusText;
  return format === 'cgi' ? encodeCgiHead(response.status, text, fields) : encodeHttpHead('1.1', response.status, text, fields);
}

const TICK_PASSED = Symbol('tick passed');
type ReadResult = ReadableStreamReadResult<Uint8Array>;

/** The read's result if it settles before the event loop turns, else TICK_PASSED. */
function readSoon(read: Promise<ReadResult>): Promise<ReadResult | typeof TICK_PASSED> {
  return Promise.race([read, new Promise<typeof TICK_PASSED>((resolve) => setImmediate(resolve, TICK_PASSED))]);
}

function asBuffer(chunk: Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (!(chunk instanceof Uint8Array)) throw new TypeError('a Response body chunk is not a Uint8Array');
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Writes `head` and the body of `response` to `out`, with backpressure.
 *
 * Chunks that are ready within the same turn of the event loop are written together, so
 * `new Response('hello')` becomes one write (`[head, body]`, end) while a slow stream (server-sent
 * events) still goes out chunk by chunk as it is produced, delayed by at most one turn.
 *
 * @param withBody false for HEAD requests and 204/304 responses: the body is cancelled unread
 * @throws whatever reading the body throws (the caller aborts the exchange)
 */
export async function writeFetchResponse(out: ResponseOutput, head: Buffer, response: Response, withBody: boolean): Promise<void> {
  const body = response.body;
  if (body === null || !withBody) {
    if (body !== null) body.cancel().catch(ignore);
    out.write([head], true);
    return;
  }
  const reader = body.getReader();
  let finished = false;
  try {
    let pending: Buffer[] = [head];
    let pendingBytes = 0;
    let read = reader.read();
    for (;;) {
      let result: ReadResult | typeof TICK_PASSED = await readSoon(read);
      if (out.gone) return;
      if (result === TICK_PASSED) {
        // The body is slow: send what we have, then wait for it.
        if (pending.length > 0) {
          const ok = out.write(pending, false);
          pending = [];
          pendingBytes = 0;
          if (!ok) await out.drained();
        }
        result = await read;
        if (out.gone) return;
      }
      if (result.done) {
        finished = true;
        out.write(pending, true);
        return;
      }
      const chunk = asBuffer(result.value);
      pending.push(chunk);
      pendingBytes += chunk.length;
      read = reader.read();
      if (pendingBytes >= COALESCE_BYTES) {
        const ok = out.write(pending, false);
        pending = [];
        pendingBytes = 0;
        if (!ok) {
          read.catch(ignore); // a failure while we wait is seen by the next await, not unhandled
          await out.drained();
        }
        if (out.gone) return;
      }
    }
  } finally {
    // Not read to the end (aborted, or a failure): let the body's source stop producing.
    if (!finished) reader.cancel().catch(ignore);
  }
}

function ignore(): void {}
