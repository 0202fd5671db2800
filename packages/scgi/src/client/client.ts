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
import { encodeScgiRequest, type ScgiHeaderField } from '../request-encoder.js';
import { ScgiClientError, ScgiClientErrorCode } from './client-errors.js';

/** Where the SCGI application listens: TCP (`host` defaults to 127.0.0.1) or a unix socket. */
export type ScgiUpstream = StreamUpstream;

/** Options of the SCGI `createClient`. */
export type ScgiClientOptions = ScgiUpstream & {
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

/** CGI params: an object, a ParamList, an iterable of `[name, value]` (strings latin1, Uint8Arrays bytes), or `{ flat: [name, value, …] }`. */
export type ScgiParams = Record<string, string | number> | ParamList | Iterable<readonly [ScgiHeaderField, ScgiHeaderField]> | FlatClientParams;

/** One SCGI request. */
export interface ScgiRequestOptions {
  /** CGI params. CONTENT_LENGTH is always sent first (from the body's length, or this list), then SCGI=1. */
  params?: ScgiParams;
  /** Body: bytes, or a stream with CONTENT_LENGTH given in `params` (SCGI sends the length before the body). */
  body?: StreamBody;
  /** Cancels the request (closes its connection). */
  signal?: AbortSignal;
  /** Per-request timeouts. */
  timeouts?: { firstByte?: number };
}

/** The response: status, headers, body stream, `ended`. `stderr` is always empty for SCGI. */
export type ScgiResponse = StreamResponse;

const LIMITS: LimitSpecs<'connect' | 'firstByte' | 'maxHeadBytes' | 'responseHighWaterMark'> = {
  connect: { default: 10_000, min: 0, max: 0x7fffffff },
  firstByte: { default: 60_000, min: 0, max: 0x7fffffff },
  maxHeadBytes: { default: 65536, min: 1, max: 16 * 1024 * 1024 },
  responseHighWaterMark: { default: 65536, min: 1, max: 0x7fffffff },
};

const ERRORS: StreamErrors = {
  codes: ScgiClientErrorCode,
  create: (code, message, details) => new ScgiClientError(code, `SCGI: ${message}`, details),
};

/**
 * An SCGI client (the web-server side). SCGI has one request per connection (protocol.txt): each
 * request opens a connection, sends the netstring and the body, and reads the response until the
 * app closes the connection, or until the head's Content-Length. The head may be a CGI head or an
 * HTTP status line (nginx accepts both).
 */
export class ScgiClient {
  readonly upstream: ScgiUpstream;
  readonly #limits: ReturnType<typeof resolveLimits<'connect' | 'firstByte' | 'maxHeadBytes' | 'responseHighWaterMark'>>;

  constructor(options: ScgiClientOptions) {
    this.upstream = checkUpstream(options, 'SCGI client');
    this.#limits = resolveLimits(
      LIMITS,
      { connect: options.timeouts?.connect, firstByte: options.timeouts?.firstByte, maxHeadBytes: options.maxHeadBytes, responseHighWaterMark: options.responseHighWaterMark },
      'SCGI client',
    );
  }

  /**
   * Sends a request; resolves at the response head.
   *
   * @throws (as a rejection) ScgiClientError `SCGI_ERR_LENGTH_REQUIRED` for a body stream without
   *   CONTENT_LENGTH; InvalidArgumentError `SCGI_ERR_INVALID_HEADER`, `GW_ERR_NOT_LATIN1`,
   *   `SCGI_ERR_INVALID_CONTENT_LENGTH` for params the encoder refuses
   */
  request(options: ScgiRequestOptions = {}): Promise<ScgiResponse> {
    try {
      const pairs = toPairs(options.params);
      const bodyLength = resolveBodyLength(options.body, pairs);
      const packet = encodeScgiRequest(pairs, bodyLength);
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
 * Creates an SCGI client.
 *
 * @param options `{ path }` or `{ host?, port }`, plus `timeouts`, `maxHeadBytes`, `responseHighWaterMark`
 * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION`
 */
export function createClient(options: ScgiClientOptions): ScgiClient {
  return new ScgiClient(options);
}

type Pair = PairArray[number];

/** Body length for CONTENT_LENGTH: the bytes' length, else the caller's CONTENT_LENGTH, else 0 without a body. */
function resolveBodyLength(body: StreamBody | undefined, pairs: Pair[]): number {
  if (body instanceof Uint8Array) return body.length;
  const given = paramValue(pairs, 'CONTENT_LENGTH');
  if (given !== undefined && /^[0-9]{1,15}$/.test(given)) return Number(given);
  if (body === undefined) return 0;
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') {
    throw new InvalidArgumentError('GW_ERR_INVALID_OPTION', 'SCGI client: body must be a Uint8Array or an async iterable of chunks');
  }
  throw new ScgiClientError(ScgiClientErrorCode.LENGTH_REQUIRED, 'SCGI: a body stream needs CONTENT_LENGTH in params (the length is sent before the body)');
}

function checkUpstream(options: ScgiUpstream, owner: string): ScgiUpstream {
  if (typeof options.path === 'string' && options.path !== '') return { path: options.path };
  const port = options.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError('GW_ERR_INVALID_OPTION', `${owner}: needs { path } (unix socket) or { host?, port } with a port from 1 to 65535`);
  }
  return { host: options.host ?? '127.0.0.1', port };
}
