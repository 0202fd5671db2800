import type { Readable } from 'node:stream';
import { createClient as createFastCgiClient, FASTCGI_TIMEOUT_CODES, type FastCgiClientSettings } from '@gw/fastcgi';
import { createClient as createScgiClient, SCGI_TIMEOUT_CODES } from '@gw/scgi';
import { createClient as createUwsgiClient, UWSGI_TIMEOUT_CODES } from '@gw/uwsgi';
import { relayStreamResponse } from './stream-relay.js';
import type { UpstreamAddress, UpstreamScheme } from './upstream-url.js';

/** Timeouts handed to the protocol client, in ms. */
export interface ProxyTimeouts {
  /** Connecting to the upstream. @defaultValue 10000 */
  connect?: number;
  /** From the request to the upstream's response head (nginx `*_read_timeout` is 60 s). @defaultValue 60000 */
  firstByte?: number;
  /** FastCGI only: a pooled connection idle this long is closed. @defaultValue 30000 */
  idle?: number;
}

/** One request as the proxy hands it to a protocol client. */
export interface UpstreamRequest {
  /** CGI params, name then value (latin1 strings). */
  params: { readonly flat: readonly string[] };
  body: Readable | Uint8Array | undefined;
}

/** The part of an upstream response head the proxy uses. */
export interface UpstreamHead {
  status: number;
  statusText: string;
  /** Wire order, names as sent, repeated names kept. */
  headers: [name: string, value: string][];
}

/**
 * Receives an upstream response as it arrives (no stream or promise per request). Order: onHead,
 * onBody*, onBodyEnd, onEnd; or onError instead of the rest (after onBodyEnd it only means the
 * request did not end cleanly). Nothing is called after onEnd or onError.
 */
export interface UpstreamHandler {
  onHead(head: UpstreamHead): void;
  /** Returns false when the client is behind; the upstream is read again after `resume()`. */
  onBody(chunk: Buffer): boolean;
  onBodyEnd(): void;
  onEnd(): void;
  onError(err: Error): void;
  /** FastCGI STDERR. */
  onStderr(chunk: Buffer): void;
}

/** Controls of a request in progress. */
export interface UpstreamHandle {
  /** Stops the request upstream (ABORT_REQUEST, or the connection closed); onError follows. */
  abort(): void;
  /** The client caught up after onBody returned false. */
  resume(): void;
}

/** A protocol client behind one upstream URL. */
export interface UpstreamClient {
  readonly scheme: UpstreamScheme;
  /** Error codes of this client that mean "took too long" (504 rather than 502). */
  readonly timeoutCodes: ReadonlySet<string>;
  /**
   * Starts a request; its response goes to `handler`. A failure to start reaches `handler.onError`,
   * possibly before this returns.
   */
  dispatch(request: UpstreamRequest, handler: UpstreamHandler): UpstreamHandle;
  close(): Promise<void>;
}

/**
 * The client for an upstream: a pooled FastCGI client (KEEP_CONN, multiplexed when the app says
 * so), or an SCGI / uwsgi client (one connection per request, as those protocols require).
 */
export function createUpstreamClient(address: UpstreamAddress, timeouts: ProxyTimeouts, fastcgi: FastCgiClientSettings = {}): UpstreamClient {
  const target = address.target;
  // Only the timeouts actually given: an undefined one must not wipe out fastcgi.timeouts.
  const t: ProxyTimeouts = definedOnly({ connect: timeouts.connect, firstByte: timeouts.firstByte });
  switch (address.scheme) {
    case 'fastcgi': {
      const client = createFastCgiClient({ ...fastcgi, ...target, timeouts: { ...fastcgi.timeouts, ...t, ...definedOnly({ idle: timeouts.idle }) } });
      return {
        scheme: 'fastcgi',
        timeoutCodes: FASTCGI_TIMEOUT_CODES,
        // The pool's callback interface: no Readable, promise or AbortController per request.
        dispatch: (r, handler) => client.dispatch({ params: r.params, body: r.body }, handler),
        close: () => client.close(),
      };
    }
    case 'scgi': {
      const client = createScgiClient({ ...target, timeouts: t });
      return {
        scheme: 'scgi',
        timeoutCodes: SCGI_TIMEOUT_CODES,
        dispatch: (r, handler) => relayStreamResponse((signal) => client.request({ params: r.params, body: r.body, signal }), handler),
        close: () => client.close(),
      };
    }
    case 'uwsgi': {
      const client = createUwsgiClient({ ...target, modifier1: address.modifier1, modifier2: address.modifier2, timeouts: t });
      return {
        scheme: 'uwsgi',
        timeoutCodes: UWSGI_TIMEOUT_CODES,
        dispatch: (r, handler) => relayStreamResponse((signal) => client.request({ params: r.params, body: r.body, signal }), handler),
        close: () => client.close(),
      };
    }
  }
}

/** A copy of `values` without its undefined entries (so spreading it overrides only what is set). */
function definedOnly<T extends Record<string, number | undefined>>(values: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) (out as Record<string, number>)[key] = value;
  return out;
}
