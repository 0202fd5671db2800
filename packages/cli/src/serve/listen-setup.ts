import { resolveListenTarget, unixSocketPath } from './inherited-socket.js';
import type { ListenTarget } from './listen-target.js';
import type { ServeLog } from './log.js';
import { prepareUnixSocketPath } from './unix-socket.js';

/**
 * Decides where to listen (see {@link resolveListenTarget}) and clears a stale unix socket file.
 * Runs once, in the process that owns the socket (the only process, or the cluster primary).
 *
 * @throws ServeError from {@link prepareUnixSocketPath}
 */
export async function setUpListenTarget(explicit: ListenTarget | undefined, log: ServeLog): Promise<ListenTarget> {
  const resolved = resolveListenTarget(explicit);
  const target = resolved.target;
  if (resolved.origin === 'systemd' || resolved.origin === 'fd 0') {
    const path = target.kind === 'fd' ? unixSocketPath(target.fd) : undefined;
    const how = resolved.origin === 'systemd' ? 'fd 3 (systemd socket activation)' : 'fd 0';
    log.info(`using the listening socket inherited as ${how}${path === undefined ? '' : `, bound to unix:${path}`}`);
  }
  if (resolved.note !== undefined) log.info(resolved.note);
  if (target.kind === 'unix' && (await prepareUnixSocketPath(target.path)) === 'stale-removed') {
    log.info(`removed stale socket ${target.path} (nothing was listening on it)`);
  }
  return target;
}
