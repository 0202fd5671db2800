export { UwsgiServerErrorCode } from './error-codes.js';
export { stripScriptName } from './script-name.js';
export { type ModifierPolicy, UwsgiServer, type UwsgiServerOptions } from './server.js';
export {
  SINGLE_REQUEST_SERVER_LIMITS as UWSGI_SERVER_LIMITS,
  type SingleRequestServerLimits as UwsgiServerLimits,
} from '@gw/core';
export { UwsgiRequest } from './uwsgi-request.js';

import type { NodeRequestListener } from '@gw/node-http';
import { UwsgiServer, type UwsgiServerOptions } from './server.js';

/**
 * Creates a uwsgi application server (see {@link UwsgiServer}); call `listen()` on it.
 *
 * @param options limits and timeouts (defaults: `maxConnections` 1024, `maxBodyBytes` 64 MiB,
 *   `headersTimeout` 30000 ms, `bodyTimeout` 60000 ms, `handlerTimeout` 0 = none, `closeTimeout`
 *   5000 ms, `requestGraceTimeout` 1000 ms, `bodyHighWaterMark` 65536, `outputHighWaterMark`
 *   65536), decoder limits
 *   (`maxVarsBytes` 4096, up to 65535; `maxVars` 1000), `modifierPolicy` (default
 *   `defaultModifierDisposition`), `allowedPeers` (default everyone), `socketMode`, and the
 *   `handleRequest` hook
 * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION` for a bad option
 */
export function createServer(options?: UwsgiServerOptions | NodeRequestListener, listener?: NodeRequestListener): UwsgiServer {
  if (typeof options === 'function') return new UwsgiServer({}, options);
  return new UwsgiServer(options ?? {}, listener);
}
