import { type GatewayHandler, runCgiRequest } from '@gw/node-http';
import { EXIT_SERVE_ERROR, ServeError } from './errors.js';
import { loadApp } from './load-app.js';
import { ServeLog } from './log.js';

/** Exit status when the request failed: the handler threw, or the response was cut short. */
export const EXIT_REQUEST_FAILED = 1;

/**
 * `gw serve --protocol cgi APP`: answers the one request in this process's environment and stdin
 * on stdout (RFC 3875), as a program run by Apache's or lighttpd's plain CGI.
 *
 * Resolves with the exit status: 0 when the response was written whole and the handler did not
 * fail, 1 otherwise (the web server logs it; the client already got a 500 if nothing had been
 * sent), 2 when the application could not be loaded (the web server answers 500 itself when a
 * program prints no head). Nothing but errors goes to stderr, which the web server logs.
 */
export async function runCgiProgram(app: string, stderr: { write(text: string): unknown }): Promise<number> {
  const log = new ServeLog(stderr, true);
  let handler: GatewayHandler;
  try {
    handler = (await loadApp(app)).handler;
  } catch (err) {
    if (!(err instanceof ServeError)) throw err;
    log.error(err.message, err.code);
    return EXIT_SERVE_ERROR;
  }
  const result = await runCgiRequest(handler, {
    onError: (error) => log.error(`request handler failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
  });
  return result.completed && result.errors.length === 0 ? 0 : EXIT_REQUEST_FAILED;
}
