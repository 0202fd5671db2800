import type { Readable } from 'node:stream';
import type { ResponseHead } from '@gw/core';

/** How a FastCGI request ended: END_REQUEST's fields (spec §5.5). */
export interface FastCgiRequestEnd {
  /** The app's exit status (for php-fpm: 0, or 255 after a fatal error). */
  appStatus: number;
  /** END_REQUEST protocolStatus; REQUEST_COMPLETE (0) once the response head was received. */
  protocolStatus: number;
  /** Response body bytes received (after the head). */
  bodyBytes: number;
}

/** A response from the application, available once its head (status and headers) has arrived. */
export interface FastCgiResponse {
  /** Status from `Status:` (200 when absent, 302 for a Location without Status). */
  status: number;
  /** Reason phrase as sent, or the standard one for `status`. */
  statusText: string;
  /** Response headers in wire order, names as sent; `Status` removed, repeated names kept (Set-Cookie). */
  headers: [name: string, value: string][];
  /** The first Location header, if any. */
  location: string | undefined;
  /** True for a CGI local redirect (`Location: /path` without Status, RFC 3875 §6.2.2). */
  localRedirect: boolean;
  /**
   * STDOUT after the head. Backpressured: when it is not read the client stops reading the
   * connection (on a multiplexed connection that stalls the other requests too, so read or destroy
   * it). Destroying it cancels the request.
   */
  body: Readable;
  /**
   * STDERR of this request (may still receive data after `body` ended). Unread data beyond
   * `maxStderrBuffer` is dropped rather than stalling the connection. Empty when the request was
   * made with `onStderr`.
   */
  readonly stderr: Readable;
  /**
   * Resolves at END_REQUEST; rejects when the request fails after the head (connection lost,
   * cancelled). Rejections are marked handled, so ignoring this promise is safe.
   */
  ended: Promise<FastCgiRequestEnd>;
  /** Authorizer role only: the app allowed the request (status 200, spec §6.3). */
  allowed?: boolean;
  /**
   * Authorizer role only: `Variable-NAME: value` headers of an allowing response as `{ NAME: value }`
   * (spec §6.3; the suffix kept verbatim, as real servers do).
   */
  variables?: Record<string, string>;
}

const VARIABLE_PREFIX = 'variable-';

/** `Variable-*` headers of an Authorizer response (spec §6.3). */
export function authorizerVariables(head: ResponseHead): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [name, value] of head.headers) {
    if (name.length > VARIABLE_PREFIX.length && name.slice(0, VARIABLE_PREFIX.length).toLowerCase() === VARIABLE_PREFIX) {
      out[name.slice(VARIABLE_PREFIX.length)] = value;
    }
  }
  return out;
}

/**
 * Receives a response as it arrives (`FastCgiClient#dispatch`): the undici-style alternative to
 * `request()`'s promise and Readables, for callers that forward the response (a proxy) and want
 * no per-request stream or promise. Callbacks run synchronously from the socket's 'data' event;
 * one that throws is the caller's bug and propagates.
 *
 * Order: `onHead`, `onBody`*, `onBodyEnd`, `onEnd`; or `onError` at any point instead of the rest
 * (after `onBodyEnd` it means only that END_REQUEST never came). Nothing is called after `onEnd`
 * or `onError`.
 */
export interface FastCgiResponseHandler {
  /** The response head (status, headers in wire order, Location semantics), once complete. */
  onHead(head: ResponseHead): void;
  /**
   * A piece of STDOUT after the head: a view of the socket's chunk (no copy; it may be kept).
   * Return false when the consumer is behind: the connection stops reading until `resume()`.
   */
  onBody(chunk: Buffer): boolean;
  /** STDOUT ended: the body is complete. */
  onBodyEnd(): void;
  /** END_REQUEST: the request is over. */
  onEnd(end: FastCgiRequestEnd): void;
  /** The request failed (refused, timed out, connection lost, aborted, malformed head…). */
  onError(err: Error): void;
  /**
   * Each STDERR chunk, before or after the head (until the request is done), when the request
   * options have no `onStderr`. Without either, STDERR is dropped.
   */
  onStderr?(chunk: Buffer): void;
}

/** What `dispatch()` returns: the running request's controls. */
export interface FastCgiRequestHandle {
  /**
   * Cancels the request: it leaves the queue, or gets ABORT_REQUEST (multiplexed) or its
   * connection closed. The handler's `onError` gets FCGI_ERR_ABORTED (unless it already ended).
   */
  abort(reason?: unknown): void;
  /** The consumer caught up after `onBody` returned false: reading resumes. */
  resume(): void;
}
