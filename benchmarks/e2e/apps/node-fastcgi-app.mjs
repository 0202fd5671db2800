/**
 * The npm anchor: node-fastcgi 2.0.0 serving the shared listener. nginx talks to it with
 * fastcgi_keep_conn off (a new connection per request), the setup the reference figures
 * for it were measured with.
 */
import fcgi from 'node-fastcgi';
import { serve } from './lifecycle.mjs';
import { listener } from './listener.mjs';

serve(fcgi.createServer(listener));
