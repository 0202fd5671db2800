import { InvalidArgumentError } from '@gw/core';
import { Role } from '../constants.js';
import { type BodySource, isBodySource, knownLength } from './body-source.js';
import type { ClientLimits } from './client-options.js';
import { FastCgiExchange } from './exchange.js';
import { ReplayBuffer } from './replay-buffer.js';
import { encodeRequest } from './request-encoding.js';
import { addUnlessGiven, type FastCgiParams, type PairArray, paramValue, toPairs } from './request-params.js';

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
export function createExchange(options: FastCgiRequestOptions, limits: ClientLimits): FastCgiExchange {
  const role = resolveRole(options.role);
  const body = checkBody(options.body, 'body');
  const data = checkBody(options.data, 'data');
  const pairs = toPairs(options.params);
  // CONTENT_LENGTH whenever the client knows it (protocols.md §4.3), never overriding the caller's.
  if (role !== Role.AUTHORIZER || body !== undefined) addUnlessGiven(pairs, 'CONTENT_LENGTH', body === undefined ? undefined : knownLength(body));
  if (role === Role.FILTER) addUnlessGiven(pairs, 'FCGI_DATA_LENGTH', knownLength(data));
  const firstByteTimeout = options.timeouts?.firstByte ?? limits.firstByteTimeout;
  if (!Number.isInteger(firstByteTimeout) || firstByteTimeout < 0) throw invalid('timeouts.firstByte must be a non-negative integer');
  const encoded = encodeRequest(pairs, role, body, data);
  for (const stream of encoded.streams) {
    if (stream.source !== undefined && !(stream.source instanceof Uint8Array)) stream.replay = new ReplayBuffer(stream.source, limits.maxReplayBytes);
  }
  return new FastCgiExchange(
    {
      encoded,
      role,
      idempotent: options.idempotent ?? isIdempotent(pairs),
      signal: options.signal,
      onStderr: options.onStderr,
    },
    {
      responseHighWaterMark: limits.responseHighWaterMark,
      maxStderrBuffer: limits.maxStderrBuffer,
      maxHeadBytes: limits.maxHeadBytes,
      firstByteTimeout,
    },
  );
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
