export { FastCgiServer, type FastCgiServerOptions, type RoleName } from './server.js';
export { type FastCgiServerLimits, SERVER_LIMITS } from './server-options.js';
export { FastCgiRequest } from './server-request.js';

import type { NodeRequestListener } from '@gw/node-http';
import { FastCgiServer, type FastCgiServerOptions } from './server.js';

/**
 * Creates a FastCGI application server, shaped like `http.createServer`:
 * `createServer(listener)`, `createServer(options, listener)` or `createServer({ fetch })`.
 */
export function createServer(options?: FastCgiServerOptions | NodeRequestListener, listener?: NodeRequestListener): FastCgiServer {
  if (typeof options === 'function') return new FastCgiServer({}, options);
  return new FastCgiServer(options ?? {}, listener);
}
