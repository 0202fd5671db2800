/** The reference upstream: node:http behind nginx's proxy_pass, serving the shared listener. */
import { createServer } from 'node:http';
import { serve } from './lifecycle.mjs';
import { listener } from './listener.mjs';

const server = createServer(listener);
// nginx keeps upstream connections for minutes between rounds; node's 5 s default would close
// them under it and turn the next request into a retry.
server.keepAliveTimeout = 600_000;
serve(server);
