import type { Readable } from 'node:stream';
import { createClient as createFastCgiClient, FASTCGI_TIMEOUT_CODES, type FastCgiClientSettings } from '@gw/fastcgi';
import { createClient as createScgiClient, SCGI_TIMEOUT_CODES } from '@gw/scgi';
import { createClient as createUwsgiClient, UWSGI_TIMEOUT_CODES } from '@gw/uwsgi';
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
  params: Iterable<[string, string]>;
  body: Readable | Uint8Array | undefined;
  signal: AbortSignal;
  onStderr: (chunk: Buffer) => void;
}

/** The part of a protocol client's response the proxy uses. */
export interface UpstreamResponse {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: Readable;
  ended: Promise<unknown>;
}

/** A protocol client behind one upstream URL. */
export interface UpstreamClient {
  readonly scheme: UpstreamScheme;
  /** Error codes of this client that mean "took too long" (504 rather than 502). */
  readonly timeoutCodes: ReadonlySet<string>;
  request(request: UpstreamRequest): Promise<UpstreamResponse>;
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
        request: (r) => client.request({ params: r.params, body: r.body, signal: r.signal, onStderr: r.onStderr }),
        close: () => client.close(),
      };
    }
    case 'scgi': {
      const client = createScgiClient({ ...target, timeouts: t });
      return {
        scheme: 'scgi',
        timeoutCodes: SCGI_TIMEOUT_CODES,
        request: (r) => client.request({ params: r.params, body: r.body, signal: r.signal }),
        close: () => client.close(),
      };
    }
    case 'uwsgi': {
      const client = createUwsgiClient({ ...target, modifier1: address.modifier1, modifier2: address.modifier2, timeouts: t });
      return {
        scheme: 'uwsgi',
        timeoutCodes: UWSGI_TIMEOUT_CODES,
        request: (r) => client.request({ params: r.params, body: r.body, signal: r.signal }),
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
