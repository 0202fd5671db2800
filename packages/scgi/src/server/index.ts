export { ScgiServerErrorCode } from './error-codes.js';
export { ScgiRequest } from './scgi-request.js';
export { ScgiServer, type ScgiServerOptions } from './server.js';
export {
  SINGLE_REQUEST_SERVER_LIMITS as SCGI_SERVER_LIMITS,
  type SingleRequestServerLimits as ScgiServerLimits,
} from '@gw/core';

import type { NodeRequestListener } from '@gw/node-http';
import { ScgiServer, type ScgiServerOptions } from './server.js';

/**
 * Creates an SCGI application server (see {@link ScgiServer}); call `listen()` on it.
 *
 * @param options limits and timeouts (defaults: `maxConnections` 1024, `maxBodyBytes` 64 MiB,
 *   `headersTimeout` 30000 ms, `bodyTimeout` 60000 ms, `handlerTimeout` 0 = none, `closeTimeout`
 *   5000 ms, `requestGraceTimeout` 1000 ms, `bodyHighWaterMark` 65536, `outputHighWaterMark`
 *   65536), decoder options (`mode`
 *   'lenient', `maxHeaderBytes` 65536), `allowedPeers` (default everyone), `socketMode`, and the
 *   `handleRequest` hook
 * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION` for a bad option
 */
export function createServer(options?: ScgiServerOptions | NodeRequestListener, listener?: NodeRequestListener): ScgiServer {
  if (typeof options === 'function') return new ScgiServer({}, options);
  return new ScgiServer(options ?? {}, listener);
}
