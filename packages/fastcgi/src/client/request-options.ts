import { InvalidArgumentError } from '@gw/core';
import { RecordType, Role } from '../constants.js';
import { type BodySource, isBodySource, knownLength } from './body-source.js';
import type { ClientLimits } from './client-options.js';
import { type ExchangeSettings, FastCgiExchange } from './exchange.js';
import { encodeFlatPreamble } from './flat-request-encoding.js';
import type { FastCgiResponseHandler } from './client-response.js';
import { ReplayBuffer } from './replay-buffer.js';
import { type EncodedRequest, encodeRequest, INLINE_LIMIT } from './request-encoding.js';
import { addUnlessGiven, type FastCgiParams, flatParamValue, isFlatParams, type PairArray, paramValue, toPairs } from './request-params.js';

const EMPTY_BYTES = new Uint8Array(0);

/** A FastCGI role by name or number (spec §6). */
export type FastCgiRoleOption = 'responder' | 'authorizer' | 'filter' | Role;

/** One request to the application. */
export interface FastCgiRequestOptions {
  /** CGI params (REQUEST_METHOD, SCRIPT_FILENAME, …). CONTENT_LENGTH is added when the body is bytes and none is given. */
  params?: FastCgiParams;
  /**
   * STDIN: bytes, or a stream (Readable, web ReadableStream, async iterable) read with
   * backpressure. A stream of unknown length needs CONTENT_LENGTH in `params` for php-fpm, which
   * reads no body without it.
   */
  body?: BodySource;
  /** Role. @defaultValue 'responder' */
  role?: FastCgiRoleOption;
  /** Filter role: the DATA stream (the file to filter). FCGI_DATA_LENGTH is added when it is bytes. */
  data?: BodySource;
  /** Cancels the request: it leaves the queue, or gets ABORT_REQUEST (multiplexed) or its connection closed. */
  signal?: AbortSignal;
  /** Per-request timeouts overriding the client's. */
  timeouts?: { firstByte?: number };
  /**
   * Whether the request may run twice. Default: REQUEST_METHOD is GET, HEAD, OPTIONS, TRACE, PUT
   * or DELETE (RFC 9110 §9.2.2), or absent, or an Idempotency-Key header was passed. When a reused
   * connection closes before any byte of the response, an idempotent request is sent again; any
   * other is sent again only if the app closed right after the previous END_REQUEST (it did not
   * run it: php-fpm recycling a worker). Either way the input must still be replayable (bytes, or
   * a stream within `maxReplayBytes`).
   */
  idempotent?: boolean;
  /**
   * Receives every STDERR chunk as it arrives, before and after the head (the response's `stderr`
   * stream then stays empty). Without it STDERR goes to `response.stderr`.
   */
  onStderr?: (chunk: Buffer) => void;
}

const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

const ROLE_BY_NAME: Record<string, Role> = { responder: Role.RESPONDER, authorizer: Role.AUTHORIZER, filter: Role.FILTER };

/**
 * Validates and encodes one request (so that bad params fail the call before anything is queued)
 * and wraps it in the exchange that will carry it.
 *
 * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION`, `FCGI_ERR_PAIR_TOO_LARGE`, `GW_ERR_NOT_LATIN1`
 */
export function createExchange(options: FastCgiRequestOptions, limits: ClientLimits, handler?: FastCgiResponseHandler): FastCgiExchange {
  const role = resolveRole(options.role);
  const body = checkBody(options.body, 'body');
  const data = checkBody(options.data, 'data');
  const params = options.params;
  const firstByteTimeout = options.timeouts?.firstByte ?? limits.firstByteTimeout;
  if (!Number.isInteger(firstByteTimeout) || firstByteTimeout < 0) throw invalid('timeouts.firstByte must be a non-negative integer');
  const settings: ExchangeSettings = {
    responseHighWaterMark: limits.responseHighWaterMark,
    maxStderrBuffer: limits.maxStderrBuffer,
    maxHeadBytes: limits.maxHeadBytes,
    firstByteTimeout,
  };
  const flat = role === Role.FILTER ? undefined : flatStrings(params, role, body);
  if (flat !== undefined) {
    // The fast path (a proxy's params, a plain object of strings): one buffer for BEGIN, PARAMS
    // and a small or empty STDIN, no tuple per pair.
    const inline = body === undefined ? EMPTY_BYTES : body instanceof Uint8Array && body.length <= INLINE_LIMIT ? body : null;
    const encoded: EncodedRequest = {
      preamble: encodeFlatPreamble(flat, role, role === Role.AUTHORIZER && body === undefined ? null : inline),
      streams: inline === null ? [{ type: RecordType.STDIN, source: body }] : [],
    };
    keepForReplay(encoded, limits);
    const method = flatParamValue(flat, 'REQUEST_METHOD');
    const idempotent =
      options.idempotent ??
      (method === undefined || IDEMPOTENT_METHODS.has(method) || flatParamValue(flat, 'HTTP_IDEMPOTENCY_KEY') !== undefined || flatParamValue(flat, 'HTTP_X_IDEMPOTENCY_KEY') !== undefined);
    return new FastCgiExchange({ encoded, role, idempotent, signal: options.signal, onStderr: options.onStderr, handler }, settings);
  }
  const pairs = toPairs(params);
  // CONTENT_LENGTH whenever the client knows it (protocols.md §4.3), never overriding the caller's.
  if (role !== Role.AUTHORIZER || body !== undefined) addUnlessGiven(pairs, 'CONTENT_LENGTH', body === undefined ? undefined : knownLength(body));
  if (role === Role.FILTER) addUnlessGiven(pairs, 'FCGI_DATA_LENGTH', knownLength(data));
  const encoded = encodeRequest(pairs, role, body, data);
  keepForReplay(encoded, limits);
  return new FastCgiExchange({ encoded, role, idempotent: options.idempotent ?? isIdempotent(pairs), signal: options.signal, onStderr: options.onStderr, handler }, settings);
}

/**
 * The params as one flat array of strings, CONTENT_LENGTH added as `addUnlessGiven` would, or
 * undefined when they take the general path (a ParamList, an iterable, a value that is not a
 * string or number).
 */
function flatStrings(params: FastCgiParams | undefined, role: Role, body: BodySource | undefined): readonly string[] | undefined {
  let flat: string[];
  if (isFlatParams(params)) {
    if (flatParamValue(params.flat, 'CONTENT_LENGTH') !== undefined) return params.flat;
    flat = params.flat.slice();
  } else if (params !== undefined && Object.getPrototypeOf(params) === Object.prototype) {
    flat = [];
    const record = params as Record<string, string | number>;
    for (const name in record) {
      if (!Object.hasOwn(record, name)) continue;
      const value = record[name];
      if (typeof value === 'string') flat.push(name, value);
      else if (typeof value === 'number') flat.push(name, String(value));
      else return undefined;
    }
    if (Object.hasOwn(record, 'CONTENT_LENGTH')) return flat;
  } else {
    return undefined;
  }
  // CONTENT_LENGTH whenever the client knows it (protocols.md §4.3); an Authorizer without a body sends none.
  if (role !== Role.AUTHORIZER || body !== undefined) {
    const length = knownLength(body);
    if (length !== undefined) flat.push('CONTENT_LENGTH', String(length));
  }
  return flat;
}

/** Streamed input is kept (up to maxReplayBytes) so the request can be resent; bytes always can be. */
function keepForReplay(encoded: EncodedRequest, limits: ClientLimits): void {
  for (const stream of encoded.streams) {
    if (stream.source !== undefined && !(stream.source instanceof Uint8Array)) stream.replay = new ReplayBuffer(stream.source, limits.maxReplayBytes);
  }
}

/** RFC 9110 §9.2.2 methods, a missing method (CGI's default is a GET), or an Idempotency-Key header. */
function isIdempotent(pairs: PairArray): boolean {
  const method = paramValue(pairs, 'REQUEST_METHOD');
  if (method === undefined || IDEMPOTENT_METHODS.has(method)) return true;
  return paramValue(pairs, 'HTTP_IDEMPOTENCY_KEY') !== undefined || paramValue(pairs, 'HTTP_X_IDEMPOTENCY_KEY') !== undefined;
}

function resolveRole(role: FastCgiRoleOption | undefined): Role {
  if (role === undefined) return Role.RESPONDER;
  const value = typeof role === 'string' ? ROLE_BY_NAME[role] : role;
  if (value !== Role.RESPONDER && value !== Role.AUTHORIZER && value !== Role.FILTER) throw invalid(`unknown role ${String(role)}`);
  return value;
}

function checkBody(value: unknown, name: string): BodySource | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isBodySource(value)) throw invalid(`${name} must be a Uint8Array, a Readable or an (async) iterable of chunks`);
  return value;
}

function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError('GW_ERR_INVALID_OPTION', `FastCGI client: ${message}`);
}
