export { FastCgiServer, type FastCgiServerOptions, type RoleName } from './server.js';
export { type FastCgiServerLimits, SERVER_LIMITS } from './server-options.js';
export { FastCgiRequest } from './server-request.js';

import { FastCgiServer, type FastCgiServerOptions } from './server.js';

/** Creates a FastCGI application server (see FastCgiServer). */
export function createServer(options: FastCgiServerOptions = {}): FastCgiServer {
  return new FastCgiServer(options);
}
