import { connect, type Socket } from 'node:net';
import { sharedReadOption } from '../socket-reads.js';

/** Where the application listens: TCP (`host` defaults to 127.0.0.1) or a unix socket path. */
export type StreamUpstream = { host?: string; port: number; path?: undefined } | { path: string; host?: undefined; port?: undefined };

/** Why a connection attempt failed: it timed out, or the socket reported an error. */
export type ConnectFailure = 'timeout' | Error;

/**
 * Opens a socket to the upstream and calls `done` once: null when connected, the failure
 * otherwise (the socket is destroyed then). `timeoutMs` 0 = no timeout. With `onChunk`, the socket
 * is read through the shared read buffer (socket-reads.ts) and every read goes there, not to 'data'.
 */
export function connectUpstream(upstream: StreamUpstream, timeoutMs: number, done: (failure: ConnectFailure | null) => void, onChunk?: (chunk: Buffer) => void): Socket {
  let created: Socket | undefined;
  const onread = onChunk === undefined ? undefined : sharedReadOption(() => created, onChunk);
  const socket = upstream.path !== undefined ? connect({ path: upstream.path, onread }) : connect({ host: upstream.host ?? '127.0.0.1', port: upstream.port, onread });
  created = socket;
  let settled = false;
  const timer = timeoutMs > 0 ? setTimeout(() => finish('timeout'), timeoutMs) : null;
  const onError = (err: Error) => finish(err);
  function finish(failure: ConnectFailure | null): void {
    if (settled) return;
    settled = true;
    if (timer !== null) clearTimeout(timer);
    socket.removeListener('error', onError);
    if (failure !== null) socket.destroy();
    done(failure);
  }
  socket.once('connect', () => {
    socket.setNoDelay(true);
    finish(null);
  });
  socket.on('error', onError);
  // Destroyed by its owner while connecting (a timeout or abort elsewhere): settle now, not at the connect timeout.
  socket.once('close', () => finish(new Error('socket closed while connecting')));
  return socket;
}

/** `host:port` or `unix:path`, for messages. */
export function describeUpstream(upstream: StreamUpstream): string {
  return upstream.path !== undefined ? `unix:${upstream.path}` : `${upstream.host ?? '127.0.0.1'}:${upstream.port}`;
}
