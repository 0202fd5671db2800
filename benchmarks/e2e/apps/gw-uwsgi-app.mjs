/**
 * gw's uwsgi application server (`createServer` from @gw/uwsgi) serving the shared node:http
 * listener. Like gw-app.mjs it is not run as is: e2e/gateways.ts bundles it with esbuild from the
 * packages' TypeScript sources, so the run measures the working tree.
 */
import { createServer } from '@gw/uwsgi';
import { serve } from './lifecycle.mjs';
import { listener } from './listener.mjs';

const server = createServer(listener);
server.on('clientError', (err) => process.stderr.write(`gw uwsgi clientError: ${err.code ?? err.message}\n`));
server.on('requestError', (err) => process.stderr.write(`gw uwsgi requestError: ${err.code ?? err.message}\n`));
serve(server);
