import { lstatSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { ServeError, ServeErrorCode } from './errors.js';

/** What {@link prepareUnixSocketPath} found. */
export type UnixSocketPathState = 'free' | 'stale-removed';

/**
 * Makes `path` ready for listen(). A socket file left by a process that died (nothing accepts on
 * it: connect() is refused) is removed, as php-fpm and uWSGI do; one with a live listener is
 * another server's, and anything that is not a socket is not ours to delete.
 *
 * @throws ServeError `GW_ERR_SERVE_ADDRESS_IN_USE` (a server accepts on it),
 *   `GW_ERR_SERVE_NOT_A_SOCKET` (a regular file, directory…), `GW_ERR_SERVE_LISTEN_FAILED` (the
 *   probe failed otherwise, e.g. EACCES)
 */
export async function prepareUnixSocketPath(path: string): Promise<UnixSocketPathState> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'free';
    throw new ServeError(ServeErrorCode.LISTEN_FAILED, `cannot inspect ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (!isSocket) throw new ServeError(ServeErrorCode.NOT_A_SOCKET, `${path} exists and is not a socket`);
  const probe = await probeSocket(path);
  if (probe === 'listening') throw new ServeError(ServeErrorCode.ADDRESS_IN_USE, `${path} is in use: a server accepts connections on it`);
  if (probe === 'gone') return 'free';
  if (probe !== 'refused') throw new ServeError(ServeErrorCode.LISTEN_FAILED, `cannot probe ${path}: ${probe}`);
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ServeError(ServeErrorCode.LISTEN_FAILED, `cannot remove stale socket ${path}: ${(err as Error).message}`, { cause: err });
    }
  }
  return 'stale-removed';
}

/** Connects once: 'listening', 'refused' (ECONNREFUSED: no listener), 'gone' (ENOENT), or the error code. */
function probeSocket(path: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    socket.once('connect', () => {
      socket.destroy();
      resolve('listening');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.destroy();
      resolve(err.code === 'ECONNREFUSED' ? 'refused' : err.code === 'ENOENT' ? 'gone' : (err.code ?? err.message));
    });
  });
}
