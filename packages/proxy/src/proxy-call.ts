import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { CgiErrorCode, GatewayError, ProtocolError } from '@gw/core';
import { ProxyError, ProxyErrorCode } from './errors.js';
import { writeResponseHead } from './response-head.js';
import { StderrLines } from './stderr-lines.js';
import type { UpstreamClient, UpstreamHandle, UpstreamHandler, UpstreamHead } from './upstream-client.js';

/** What every request of one handler shares: the client and the hooks. */
export interface ProxyContext {
  client: UpstreamClient;
  onStderr: (line: string, req: IncomingMessage) => void;
  onError: (err: Error, req: IncomingMessage) => void;
}

/** The call a response belongs to, so one shared 'close' listener serves every request. */
const CALL = Symbol('gw.proxyCall');
type TaggedResponse = ServerResponse & { [CALL]?: ProxyCall };

/**
 * One proxied request, from dispatch to the client response's end: the upstream's response
 * handler and the client side's listener in one object, so a request costs one allocation here
 * instead of a promise, a stream pipe and a handful of closures.
 *
 * - The head is held until the first body byte (or the body's end), so an upstream that fails
 *   before sending any body still gets the client a clean 502 rather than a cut connection.
 * - Backpressure: a `res.write` returning false pauses the upstream until 'drain'.
 * - The client going away (the response closing before it finished) aborts the upstream request.
 */
export class ProxyCall implements UpstreamHandler {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly #context: ProxyContext;
  /** Set right after dispatch; callbacks that run during dispatch (a queue-full error) do not need it. */
  handle: UpstreamHandle | null = null;
  #head: UpstreamHead | null = null;
  #headWritten = false;
  /** The upstream's Content-Length, when it sent a valid one. */
  #declared: number | undefined = undefined;
  #sent = 0;
  #bodyEnded = false;
  #over = false;
  #stderr: StderrLines | null = null;
  #drainListening = false;

  constructor(req: IncomingMessage, res: ServerResponse, context: ProxyContext) {
    this.req = req;
    this.res = res;
    this.#context = context;
    (res as TaggedResponse)[CALL] = this;
    res.on('close', onResponseClose);
  }

  // ── UpstreamHandler ───────────────────────────────────────────────────────

  onHead(head: UpstreamHead): void {
    if (head.status < 200) {
      // A CGI response cannot carry a 1xx (no final response would follow). Failing first makes
      // this the error reported, not the abort's.
      this.#fail(new ProxyError(ProxyErrorCode.BAD_UPSTREAM_STATUS, `upstream answered with status ${head.status}`, 502));
      return this.handle?.abort();
    }
    this.#head = head;
  }

  onBody(chunk: Buffer): boolean {
    const res = this.res;
    if (this.#over || res.writableEnded) return true;
    if (!this.#headWritten && !this.#writeHead()) return true;
    const declared = this.#declared;
    if (declared !== undefined && this.#sent + chunk.length >= declared) {
      // Bytes past the upstream's Content-Length are dropped (nginx cuts them too).
      const last = chunk.length === declared - this.#sent ? chunk : chunk.subarray(0, declared - this.#sent);
      this.#sent = declared;
      res.end(last);
      return true;
    }
    this.#sent += chunk.length;
    if (res.write(chunk)) return true;
    if (!this.#drainListening) {
      this.#drainListening = true;
      res.on('drain', onResponseDrain);
    }
    return false;
  }

  onBodyEnd(): void {
    this.#bodyEnded = true;
    const res = this.res;
    if (this.#over || res.writableEnded) return;
    if (!this.#headWritten && !this.#writeHead()) return;
    const declared = this.#declared;
    if (declared !== undefined && this.#sent < declared) {
      // The client was promised more bytes: only cutting the connection tells it the body is short.
      return this.#fail(new ProxyError(ProxyErrorCode.UPSTREAM_BODY_TRUNCATED, `upstream body ended after ${this.#sent} of ${declared} bytes`, 502));
    }
    res.end();
  }

  onEnd(): void {
    this.#stderr?.flush();
  }

  onError(err: Error): void {
    this.#stderr?.flush();
    // A body that ended is complete for the client; a late failure (END_REQUEST lost) changes nothing.
    if (this.#bodyEnded && this.#headWritten) return;
    this.#fail(err);
  }

  onStderr(chunk: Buffer): void {
    if (this.#stderr === null) {
      const { req } = this;
      const log = this.#context.onStderr;
      this.#stderr = new StderrLines((line) => log(line, req));
    }
    this.#stderr.push(chunk);
  }

  // ── client side ───────────────────────────────────────────────────────────

  /** 'close' on the response: when it did not finish, the client went away; stop the upstream request. */
  responseClosed(): void {
    const res = this.res;
    res.removeListener('close', onResponseClose);
    if (this.#drainListening) res.removeListener('drain', onResponseDrain);
    (res as TaggedResponse)[CALL] = undefined;
    if (res.writableFinished) return;
    this.#over = true;
    this.handle?.abort();
  }

  /** 'drain' on the response: the client caught up. */
  responseDrained(): void {
    this.handle?.resume();
  }

  // ── internals ─────────────────────────────────────────────────────────────

  /** Sends the held head; false (after failing the request) when node refuses a header of it. */
  #writeHead(): boolean {
    const head = this.#head as UpstreamHead;
    this.#headWritten = true;
    try {
      this.#declared = writeResponseHead(this.res, head.status, head.statusText, head.headers);
      return true;
    } catch (err) {
      // A field node will not send (a value with a control character, say): nginx answers 502 too.
      this.#headWritten = false;
      this.#fail(new ProtocolError(CgiErrorCode.MALFORMED_HEADER, 'upstream response head has a field node:http refuses to send', { cause: err }));
      this.handle?.abort();
      return false;
    }
  }

  /** Answers the failure (502/504…, or a cut connection once the head went out) and reports it. */
  #fail(err: Error): void {
    if (this.#over) return;
    this.#over = true;
    const res = this.res;
    if (res.destroyed) return; // the client is gone (that is what cancelled the request): nobody to tell
    if (this.#headWritten || res.headersSent) res.destroy();
    else sendError(res, statusFor(err, this.#context.client));
    this.#context.onError(err, this.req);
  }
}

function onResponseClose(this: ServerResponse): void {
  (this as TaggedResponse)[CALL]?.responseClosed();
}

function onResponseDrain(this: ServerResponse): void {
  (this as TaggedResponse)[CALL]?.responseDrained();
}

/** 504 for a timeout, the proxy's own status for its errors, 431 for params too large to encode, else 502. */
export function statusFor(err: Error, client: UpstreamClient): number {
  if (err instanceof ProxyError) return err.status;
  if (err instanceof GatewayError) {
    if (client.timeoutCodes.has(err.code)) return 504;
    // A header too large for one FastCGI record / a uwsgi vars block over 64 KiB.
    if (err.code === 'FCGI_ERR_PAIR_TOO_LARGE' || err.code === 'UWSGI_ERR_VARS_TOO_LARGE') return 431;
  }
  return 502;
}

/** A short text/plain error response. */
export function sendError(res: ServerResponse, status: number): void {
  const text = `${status} ${STATUS_CODES[status] ?? ''}\n`;
  res.writeHead(status, STATUS_CODES[status] ?? '', ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(Buffer.byteLength(text))]);
  res.end(text);
}
