import { chmodSync } from 'node:fs';
import type { Server } from 'node:net';
import { ServeError, ServeErrorCode } from './errors.js';
import { formatListenTarget, type ListenTarget, toListenOptions } from './listen-target.js';

/**
 * Listens on `target`; resolves once listening.
 *
 * @throws ServeError `GW_ERR_SERVE_ADDRESS_IN_USE` (EADDRINUSE), `GW_ERR_SERVE_LISTEN_FAILED`
 *   (EACCES, EADDRNOTAVAIL, an fd that is no socket…)
 */
export function listenOn(server: Server, target: ListenTarget): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const where = formatListenTarget(target);
      if (err.code === 'EADDRINUSE') reject(new ServeError(ServeErrorCode.ADDRESS_IN_USE, `${where} is in use (EADDRINUSE)`, { cause: err }));
      else reject(new ServeError(ServeErrorCode.LISTEN_FAILED, `cannot listen on ${where}: ${err.code ?? err.message}`, { cause: err }));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(toListenOptions(target));
  });
}

/**
 * Sets the file mode of a unix socket `server` listens on (a no-op for TCP). The gw servers do
 * this themselves; the cluster primary's plain listener needs it done.
 *
 * @throws ServeError `GW_ERR_SERVE_LISTEN_FAILED` when chmod fails
 */
export function applySocketMode(server: Server, mode: number | undefined): void {
  const address = server.address();
  if (mode === undefined || typeof address !== 'string' || address === '') return;
  try {
    chmodSync(address, mode);
  } catch (err) {
    throw new ServeError(ServeErrorCode.LISTEN_FAILED, `cannot chmod ${address}: ${(err as Error).message}`, { cause: err });
  }
}
