/**
 * The subject of targets 1–2: `startProxy` from @gw/proxy with the route `gw proxy --upstream
 * fastcgi://unix:SOCKET --root DOCROOT --listen 127.0.0.1:PORT` builds, plus an explicit pool size
 * (`maxConnections` = php-fpm's worker count; the CLI's default, FCGI_MAX_CONNS capped at 4, gives
 * the same 4 here). Bundled from source by lib/build.ts. Prints `listening`, exits 0 on SIGTERM.
 *
 * The pool's idle timeout is IDLE_MS: php-fpm pins a worker to each kept-alive connection, so the
 * benchmark needs idle connections closed between runs (nginx gets the same keepalive_timeout).
 *
 * argv: PORT SOCKET DOCROOT MAX_CONNECTIONS IDLE_MS
 */
import { startProxy } from '@gw/proxy';

const [port, socket, docroot, maxConnections, idleMs] = process.argv.slice(2);
const proxy = await startProxy({
  listen: { host: '127.0.0.1', port: Number(port) },
  upstreams: {
    prefix: '/',
    upstream: `fastcgi://unix:${socket}`,
    documentRoot: docroot as string,
    fastcgi: { maxConnections: Number(maxConnections) },
    // the proxy's top-level timeouts (what `gw proxy` sets); fastcgi.timeouts would do the same
    // since upstream-client.ts stopped overwriting them with undefined values
    timeouts: { idle: Number(idleMs) },
  },
});
proxy.server.keepAliveTimeout = 600_000;
process.stdout.write('listening\n');
process.once('SIGTERM', () => {
  void proxy.close().then(() => process.exit(0));
});
