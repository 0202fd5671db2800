/**
 * The subject: gw's FastCGI application server (`createServer` from @gw/fastcgi) serving the
 * shared node:http listener. Not run as is: e2e/lib/build.ts bundles it with esbuild from the
 * packages' TypeScript sources (tsconfig paths), with a source map, so the benchmark always runs
 * the working tree and a CPU profile maps back to `packages/**` file:line.
 *
 * Environment (all optional):
 * - GW_APP_MODE: `listener` (default, the shared listener) or `slow-upload` (POST bodies read at
 *   1 MiB per 10 ms, answered with the byte count);
 * - GW_KEEPALIVE_MS: keepAliveTimeout (default 600000, longer than any benchmark);
 * - GW_MAX_CONNECTIONS: maxConnections (default: gw's, 1024);
 * - GW_MAX_BODY_BYTES: maxBodyBytes (default: gw's, 64 MiB);
 * - GW_SHARED_READ_BUFFER=0: sharedReadBuffer false (connections read through 'data' events).
 */
import { createServer } from '@gw/fastcgi';
import { serve } from './lifecycle.mjs';
import { listener } from './listener.mjs';

const MiB = 1024 * 1024;
const env = process.env;
const number = (name) => (env[name] ? Number(env[name]) : undefined);

/** Reads the body at no more than 1 MiB per 10 ms, like a handler writing to a slow disk. */
function slowUpload(req, res) {
  let total = 0;
  let sincePause = 0;
  req.on('data', (chunk) => {
    total += chunk.length;
    sincePause += chunk.length;
    if (sincePause >= MiB) {
      sincePause -= MiB;
      req.pause();
      setTimeout(() => req.resume(), 10);
    }
  });
  req.on('end', () => res.end(String(total)));
}

const options = {
  keepAliveTimeout: number('GW_KEEPALIVE_MS') ?? 600_000,
  ...(env.GW_MAX_CONNECTIONS ? { maxConnections: number('GW_MAX_CONNECTIONS') } : {}),
  ...(env.GW_MAX_BODY_BYTES ? { maxBodyBytes: number('GW_MAX_BODY_BYTES') } : {}),
  ...(env.GW_SHARED_READ_BUFFER === '0' ? { sharedReadBuffer: false } : {}),
};
const server = createServer(options, env.GW_APP_MODE === 'slow-upload' ? slowUpload : listener);
server.on('clientError', (err) => process.stderr.write(`gw clientError: ${err.code ?? err.message}\n`));
server.on('requestError', (err) => process.stderr.write(`gw requestError: ${err.code ?? err.message}\n`));

serve(server);
