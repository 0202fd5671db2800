import { missingReason } from '../src/binaries.js';
import { defineDifferentialSuite } from '../src/differential-suite.js';
import { GATEWAY_PROTOCOLS } from '../src/gateway-servers.js';
import { startNginx } from '../src/nginx.js';

// nginx fastcgi_pass / scgi_pass / uwsgi_pass with Debian's params files, buffered (its defaults).
defineDifferentialSuite({
  frontEnd: 'nginx',
  protocols: GATEWAY_PROTOCOLS,
  skip: missingReason('nginx'),
  start: (mounts) => startNginx({ locations: mounts.map((m) => ({ path: `${m.base}/`, protocol: m.protocol, upstream: m.gateway.upstream })) }),
});
