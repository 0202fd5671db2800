import { missingReason } from '../src/binaries.js';
import { defineDifferentialSuite } from '../src/differential-suite.js';
import { GATEWAY_PROTOCOLS } from '../src/gateway-servers.js';
import { startLighttpd } from '../src/lighttpd.js';

// lighttpd mod_fastcgi and mod_scgi ("protocol" => "scgi" / "uwsgi"), buffered (its defaults).
// One default is turned off: server.range-requests, with which lighttpd 1.4.69 answers a Range
// request itself from the backend's whole 200 response (206 + Content-Range) and adds
// `Accept-Ranges: bytes` to backend responses — its own transformation, not what gw relayed.
defineDifferentialSuite({
  frontEnd: 'lighttpd',
  protocols: GATEWAY_PROTOCOLS,
  skip: missingReason('lighttpd'),
  start: (mounts) =>
    startLighttpd({
      backends: mounts.map((m) => ({ path: `${m.base}/`, protocol: m.protocol, upstream: m.gateway.upstream })),
      config: () => 'server.range-requests = "disable"',
    }),
});
