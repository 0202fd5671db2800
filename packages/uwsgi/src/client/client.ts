import {
  type FlatClientParams,
  InvalidArgumentError,
  type LimitSpecs,
  type PairArray,
  type ParamList,
  paramValue,
  resolveLimits,
  runStreamExchange,
  type StreamBody,
  type StreamErrors,
  type StreamResponse,
  type StreamUpstream,
  toPairs,
} from '@gw/core';
import { checkModifier } from '../packet-header.js';
import { encodeUwsgiRequest, type UwsgiVarPart } from '../request-encoder.js';
import { UwsgiClientError, UwsgiClientErrorCode } from './client-errors.js';

/** Where the uwsgi application listens: TCP (`host` defaults to 127.0.0.1) or a unix socket. */
export type UwsgiUpstream = StreamUpstream;

/** Options of the uwsgi `createClient`. */
export type UwsgiClientOptions = UwsgiUpstream & {
  /** Packet modifier1 (0 = WSGI/Python, what nginx sends by default; 5 PSGI, 7 Rack, 14 PHP…). @defaultValue 0 */
  modifier1?: number;
  /** Packet modifier2. @defaultValue 0 */
  modifier2?: number;
  /** Timeouts in ms (0 disables). */
  timeouts?: {
    /** Time to connect. @defaultValue 10000 */
    connect?: number;
    /** Time from `request()` to the complete response head. @defaultValue 60000 */
    firstByte?: number;
  };
  /** Largest response head. @defaultValue 65536 */
  maxHeadBytes?: number;
  /** Body bytes buffered for an unread response before the socket is paused. @defaultValue 65536 */
  responseHighWaterMark?: number;
};

/** CGI vars: an object, a ParamList, an iterable of `[name, value]` (strings latin1, Uint8Arrays bytes), or `{ flat: [name, value, …] }`. */
export type UwsgiParams = Record<string, string | number> | ParamList | Iterable<readonly [UwsgiVarPart, UwsgiVarPart]> | FlatClientParams;

/** One uwsgi request. */
export interface UwsgiRequestOptions {
  /** CGI vars. CONTENT_LENGTH is added when the body is bytes and none is given. */
  params?: UwsgiParams;
  /** Body: bytes, or a stream with CONTENT_LENGTH given in `params` (uWSGI reads exactly that many bytes). */
  body?: StreamBody;
  /** Overrides the client's modifier1 for this request. */
  modifier1?: number;
  /** Overrides the client's modifier2 for this request. */
  modifier2?: number;
  /** Cancels the request (closes its connection). */
  signal?: AbortSignal;
  /** Per-request timeouts. */
  timeouts?: { firstByte?: number };
}

/** The response: status, headers, body stream, `ended`. `stderr` is always empty for uwsgi. */
export type UwsgiResponse = StreamResponse;

type LimitName = 'connect' | 'firstByte' | 'maxHeadBytes' | 'responseHighWaterMark';

const LIMITS: LimitSpecs<LimitName> = {
  connect: { default: 10_000, min: 0, max: 0x7fffffff },
  firstByte: { default: 60_000, min: 0, max: 0x7fffffff },
  maxHeadBytes: { default: 65536, min: 1, max: 16 * 1024 * 1024 },
  responseHighWaterMark: { default: 65536, min: 1, max: 0x7fffffff },
};

const ERRORS: StreamErrors = {
  codes: UwsgiClientErrorCode,
  create: (code, message, details) => new UwsgiClientError(code, `uwsgi: ${message}`, details),
};

/**
 * A uwsgi client (the web-server side): one connection per request (protocols.md §3.4), a packet
 * of header + vars, the raw body after it, and a response read until the app closes the
 * connection or the head's Content-Length is reached. uWSGI answers with an HTTP status line; a
 * CGI head (`Status:`) is accepted too, as nginx does.
 *
 * uWSGI refuses a vars block larger than its `buffer-size` (4096 by default) by closing the
 * connection: that surfaces as `UWSGI_ERR_NO_RESPONSE_HEAD`.
 */
export class UwsgiClient {
  readonly upstream: UwsgiUpstream;
  readonly modifier1: number;
  readonly modifier2: number;
  readonly #limits: Readonly<Record<LimitName, number>>;

  constructor(options: UwsgiClientOptions) {
    this.upstream = checkUpstream(options);
    this.modifier1 = checkModifier(options.modifier1 ?? 0, 'modifier1');
    this.modifier2 = checkModifier(options.modifier2 ?? 0, 'modifier2');
    this.#limits = resolveLimits(
      LIMITS,
      { connect: options.timeouts?.connect, firstByte: options.timeouts?.firstByte, maxHeadBytes: options.maxHeadBytes, responseHighWaterMark: options.responseHighWaterMark },
      'uwsgi client',
    );
  }

  /**
   * Sends a request; resolves at the response head.
   *
   * @throws (as a rejection) UwsgiClientError `UWSGI_ERR_LENGTH_REQUIRED` for a body stream without
   *   CONTENT_LENGTH; InvalidArgumentError `UWSGI_ERR_VARS_TOO_LARGE`, `UWSGI_ERR_EMPTY_KEY`,
   *   `GW_ERR_NOT_LATIN1`, `GW_ERR_INVALID_OPTION` (a modifier outside 0..255)
   */
  request(options: UwsgiRequestOptions = {}): Promise<UwsgiResponse> {
    try {
      const pairs = toPairs(options.params);
      const given = paramValue(pairs, 'CONTENT_LENGTH');
      const bodyLength = resolveBodyLength(options.body, given);
      if (options.body !== undefined && given === undefined) pairs.push(['CONTENT_LENGTH', String(bodyLength)]);
      const packet = encodeUwsgiRequest(pairs, { modifier1: options.modifier1 ?? this.modifier1, modifier2: options.modifier2 ?? this.modifier2 });
      return runStreamExchange({
        upstream: this.upstream,
        packet,
        body: options.body,
        bodyLength,
        headRequest: paramValue(pairs, 'REQUEST_METHOD') === 'HEAD',
        signal: options.signal,
        connectTimeout: this.#limits.connect,
        firstByteTimeout: options.timeouts?.firstByte ?? this.#limits.firstByte,
        maxHeadBytes: this.#limits.maxHeadBytes,
        highWaterMark: this.#limits.responseHighWaterMark,
        errors: ERRORS,
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Nothing is pooled (one connection per request); resolves at once. Present for symmetry with the FastCGI client. */
  async close(): Promise<void> {}
}

/**
 * Creates a uwsgi client.
 *
 * @param options `{ path }` or `{ host?, port }`, plus `modifier1`, `modifier2`, `timeouts`,
 *   `maxHeadBytes`, `responseHighWaterMark`
 * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION`
 */
export function createClient(options: UwsgiClientOptions): UwsgiClient {
  return new UwsgiClient(options);
}

type Pair = PairArray[number];

/** Body length: the bytes' length, else the caller's CONTENT_LENGTH ("" or absent = 0 without a body). */
function resolveBodyLength(body: StreamBody | undefined, given: string | undefined): number {
  if (body instanceof Uint8Array) return body.length;
  if (given !== undefined && /^[0-9]{1,15}$/.test(given)) return Number(given);
  if (body === undefined) return 0;
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') {
    throw new InvalidArgumentError('GW_ERR_INVALID_OPTION', 'uwsgi client: body must be a Uint8Array or an async iterable of chunks');
  }
  throw new UwsgiClientError(UwsgiClientErrorCode.LENGTH_REQUIRED, 'uwsgi: a body stream needs CONTENT_LENGTH in params');
}

function checkUpstream(options: UwsgiUpstream): UwsgiUpstream {
  if (typeof options.path === 'string' && options.path !== '') return { path: options.path };
  const port = options.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError('GW_ERR_INVALID_OPTION', 'uwsgi client: needs { path } (unix socket) or { host?, port } with a port from 1 to 65535');
  }
  return { host: options.host ?? '127.0.0.1', port };
}
