import { type LimitSpecs, type Limits, resolveLimits } from '@gw/core';
import type { RecordDecoderOptions } from '../record-decoder.js';

/** Limits and timeouts of a FastCGI application server. Every one has a safe default. */
export interface FastCgiServerLimits extends Omit<RecordDecoderOptions, 'lenientVersion'> {
  /** Largest request body (STDIN bytes) accepted per request; more fails the request. Default 64 MiB. */
  maxBodyBytes?: number;
  /** Most requests in progress at once on one connection (multiplexing). Default 128. */
  maxRequestsPerConnection?: number;
  /** Body bytes buffered for one request whose handler is not reading before the socket is paused. Default 65536. */
  bodyHighWaterMark?: number;
  /** Output bytes queued for one request before its writes report backpressure. Default 65536. */
  outputHighWaterMark?: number;
  /** Time from BEGIN_REQUEST to the end of its PARAMS (slowloris guard), ms. Default 30000. */
  paramsTimeout?: number;
  /** Idle time of a kept-alive connection with no request in progress, ms. Default 60000. 0 = none. */
  keepAliveTimeout?: number;
  /** Time a handler may take to finish its response, ms. Default 0 (no limit). */
  handlerTimeout?: number;
  /** Time to wait for the peer to close after the app half-closed, ms. Default 5000. */
  closeTimeout?: number;
  /** Most connections at once (also advertised as FCGI_MAX_CONNS). Default 1024. */
  maxConnections?: number;
}

type Name =
  | 'maxConnections'
  | 'maxBodyBytes'
  | 'maxRequestsPerConnection'
  | 'bodyHighWaterMark'
  | 'outputHighWaterMark'
  | 'paramsTimeout'
  | 'keepAliveTimeout'
  | 'handlerTimeout'
  | 'closeTimeout';

export const SERVER_LIMITS: LimitSpecs<Name> = {
  maxConnections: { default: 1024, min: 1, max: 0x7fffffff },
  maxBodyBytes: { default: 64 * 1024 * 1024, min: 0, max: Number.POSITIVE_INFINITY },
  maxRequestsPerConnection: { default: 128, min: 1, max: 0xffff },
  bodyHighWaterMark: { default: 65536, min: 1, max: 0x7fffffff },
  outputHighWaterMark: { default: 65536, min: 1, max: 0x7fffffff },
  paramsTimeout: { default: 30_000, min: 0, max: 0x7fffffff },
  keepAliveTimeout: { default: 60_000, min: 0, max: 0x7fffffff },
  handlerTimeout: { default: 0, min: 0, max: 0x7fffffff },
  closeTimeout: { default: 5_000, min: 0, max: 0x7fffffff },
};

export type ServerLimits = Limits<Name>;

export function resolveServerLimits(options: FastCgiServerLimits | undefined): ServerLimits {
  return resolveLimits(SERVER_LIMITS, options, 'FastCGI server');
}
