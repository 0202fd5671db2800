import { type ApacheProtocol, startApache } from '../src/apache.js';
import { missingReason } from '../src/binaries.js';
import { defineDifferentialSuite } from '../src/differential-suite.js';
import { type GatewayProtocol, GATEWAY_PROTOCOLS } from '../src/gateway-servers.js';

const SCHEME: Record<GatewayProtocol, ApacheProtocol> = { fastcgi: 'fcgi', scgi: 'scgi', uwsgi: 'uwsgi' };

// Apache mod_proxy_fcgi / mod_proxy_scgi / mod_proxy_uwsgi, one ProxyPass per mount.
defineDifferentialSuite({
  frontEnd: 'Apache',
  protocols: GATEWAY_PROTOCOLS,
  skip: missingReason('apache2'),
  start: (mounts) => startApache({ routes: mounts.map((m) => ({ path: `${m.base}/`, protocol: SCHEME[m.protocol], upstream: m.gateway.upstream })) }),
});
