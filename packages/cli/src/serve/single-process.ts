import { type AppServer, startAppServer } from './app-server.js';
import { EXIT_SERVE_ERROR, ServeError } from './errors.js';
import { setUpListenTarget } from './listen-setup.js';
import type { ServeLog } from './log.js';
import type { ServeOptions } from './options.js';
import { removePidfile, writePidfile } from './pidfile.js';

/**
 * `gw serve` without workers: the server runs in this process. SIGTERM and SIGINT drain requests
 * in flight (at most `shutdownTimeout`) and resolve 0; a second signal closes what is left at
 * once. SIGHUP is ignored with a note: a reload needs workers to hand over to.
 *
 * Resolves with the exit status once stopped: 0 after a shutdown, 2 when it could not start.
 */
export async function runSingleProcess(options: ServeOptions, log: ServeLog): Promise<number> {
  if (options.protocol === 'cgi') throw new Error('unreachable: cgi is not a server');
  let server: AppServer;
  try {
    if (options.pidfile !== undefined) writePidfile(options.pidfile);
    const target = await setUpListenTarget(options.listen, log);
    server = await startAppServer({ app: options.app, protocol: options.protocol, target, server: options.server, log });
  } catch (err) {
    if (options.pidfile !== undefined) removePidfile(options.pidfile);
    if (!(err instanceof ServeError)) throw err;
    log.error(err.message, err.code);
    return EXIT_SERVE_ERROR;
  }
  log.info(`listening on ${server.address} (${options.protocol}, ${server.kind}, pid ${process.pid})`);

  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.info(`${signal} again: closing the remaining connections now`);
        server.closeNow();
        return;
      }
      stopping = true;
      log.info(`${signal}: shutting down, draining requests in flight (up to ${options.shutdownTimeout} ms)`);
      void server.drain(options.shutdownTimeout).then(({ aborted }) => {
        if (aborted > 0) log.info(`closed ${aborted} connection(s) still open after ${options.shutdownTimeout} ms`);
        if (options.pidfile !== undefined) removePidfile(options.pidfile);
        log.info('stopped');
        resolve(0);
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', () => log.info('SIGHUP ignored: reloading needs --workers 2 or more (or --max-requests)'));
  });
}
