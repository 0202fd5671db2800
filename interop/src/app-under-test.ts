import type { AppObserver } from './app-observer.js';
import type { FastCgiRequest, FastCgiServer, RequestExchange } from './fastcgi-server.js';

/**
 * The application behind the FastCGI server in an interop test. This is the one seam to swap:
 * today the echo app on the server's low-level `handleRequest` hook; later the same behaviour as
 * an Express app, plugged in through @gw/node-http (whose adapter is built on this hook too).
 */
export interface AppUnderTest {
  readonly name: string;
  /** What the app saw (starts, ends, aborts); tests assert on it. */
  readonly observer: AppObserver;
  handleRequest(request: FastCgiRequest, server: FastCgiServer): RequestExchange;
}
