import { createServer } from 'node:net';
import type { WorkerConfig } from './cluster-messages.js';
import { EXIT_SERVE_ERROR, ServeError } from './errors.js';
import { applySocketMode, listenOn } from './listen.js';
import { setUpListenTarget } from './listen-setup.js';
import { describeListening } from './listen-target.js';
import type { ServeLog } from './log.js';
import type { ServeOptions } from './options.js';
import { removePidfile, writePidfile } from './pidfile.js';
import { WorkerSupervisor } from './worker-supervisor.js';

/**
 * `gw serve --workers N`: this process is the cluster primary. It owns the listening socket for
 * the whole run, accepts connections and hands each to a worker over IPC, round-robin (see
 * ConnectionDispatcher); it never loads the application itself.
 *
 * - A worker that dies is replaced; one that dies within 10 s of starting counts towards a crash
 *   loop, and the restarts of a loop are spaced out (0, 250 ms, doubling up to 16 s). Meanwhile
 *   connections wait in the primary; none is refused for lack of a worker.
 * - A worker that served `--max-requests` requests is replaced like a reload (below).
 * - SIGHUP reloads: one new worker per old one (a fresh process imports the application anew);
 *   as each new one is ready, its old one is told to shut down gracefully. Both serve during the
 *   handover, so no connection goes unanswered. If a new worker cannot start, the reload is
 *   abandoned and the old workers keep serving.
 * - SIGTERM / SIGINT: the primary stops listening, every worker drains (up to --timeout), and the
 *   primary exits 0 when all have exited, killing any still alive 5 s past the timeout. A second
 *   signal kills them at once.
 *
 * Resolves with the exit status: 0 after a shutdown, 2 when it or the workers could not start.
 */
export async function runClusterPrimary(options: ServeOptions, log: ServeLog): Promise<number> {
  if (options.protocol === 'cgi') throw new Error('unreachable: cgi is not a server');
  const listener = createServer({ pauseOnConnect: true });
  let address: string;
  try {
    if (options.pidfile !== undefined) writePidfile(options.pidfile);
    const target = await setUpListenTarget(options.listen, log);
    await listenOn(listener, target);
    applySocketMode(listener, options.server.socketMode);
    address = describeListening(target, listener.address());
  } catch (err) {
    listener.close();
    if (options.pidfile !== undefined) removePidfile(options.pidfile);
    if (!(err instanceof ServeError)) throw err;
    log.error(err.message, err.code);
    return EXIT_SERVE_ERROR;
  }
  const config: WorkerConfig = {
    app: options.app,
    protocol: options.protocol,
    server: options.server,
    shutdownTimeout: options.shutdownTimeout,
    maxRequests: options.maxRequests,
    quiet: options.quiet,
  };
  return new WorkerSupervisor(options, config, log, listener, address).run();
}
