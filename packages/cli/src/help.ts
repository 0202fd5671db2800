/** Help and usage texts of the `gw` command. Kept apart from the logic so they read as documents. */

/** `gw --help`. */
export const GW_HELP = `Usage: gw <command> [options]

Tools for the FastCGI, SCGI and uwsgi gateway protocols.

Commands:
  serve      run a Node.js application (node:http listener, Express, Koa, Fastify, Hono…)
             as a FastCGI, SCGI or uwsgi server, or as one CGI request
  proxy      an HTTP server that forwards requests to FastCGI, SCGI or uwsgi apps
             (php-fpm, uWSGI, gw serve…), as nginx's fastcgi_pass/scgi_pass/uwsgi_pass do
  inspect    decode the bytes of one gateway connection and print them as JSON
  help       show help for a command (gw help serve)

Options:
  -h, --help       show this help
  -v, --version    print the version of gw

Examples:
  gw serve app.mjs
  gw serve --protocol scgi --listen unix:/run/app.sock --workers 4 app.mjs
  gw proxy --listen 127.0.0.1:8080 --upstream fastcgi://unix:/run/php/php-fpm.sock --root /var/www
  gw inspect --demo
  gw inspect --protocol fastcgi --direction to-app capture.bin
  gw help serve
`;

/** `gw proxy --help`. */
export const PROXY_HELP = `Usage: gw proxy --upstream [PREFIX=]URL [--upstream …] [options]

Listens for HTTP and forwards each request to a FastCGI, SCGI or uwsgi application, building the
CGI variables as nginx's fastcgi_params (plus SCRIPT_FILENAME) do. Runs until SIGINT or SIGTERM.

Options:
  -l, --listen HOST:PORT|PORT|unix:PATH   where to listen (default 127.0.0.1:8080)
  -u, --upstream [PREFIX=]URL             an application; repeat for several, each on its path
                                          prefix (longest match wins; default prefix /):
                                            fastcgi://unix:/run/php/php-fpm.sock
                                            fastcgi://127.0.0.1:9000
                                            scgi://unix:/run/app.sock   uwsgi://127.0.0.1:3031
                                            uwsgi://…?modifier1=30
  -r, --root DIR                          DOCUMENT_ROOT and SCRIPT_FILENAME prefix (default: cwd)
      --index FILE                        appended to URIs ending in / (default index.php)
  -h, --help                              show this help

Examples:
  gw proxy --upstream fastcgi://unix:/run/php/php8.2-fpm.sock --root /var/www/html
  gw proxy --listen 8080 --upstream /api=scgi://unix:/run/api.sock --upstream /=uwsgi://127.0.0.1:3031
`;

/** `gw inspect --help`. */
export const INSPECT_HELP = `Usage: gw inspect --protocol <fastcgi|scgi|uwsgi> --direction <to-app|to-server> [--strict] <FILE|->
       gw inspect --demo

Decodes the bytes of ONE connection, in one direction, and prints one JSON object on stdout
(2-space indented; flat arrays and objects on one line). Names and values are shown as latin1
strings (one character per byte); byte streams as { "bytes", "sha256", "terminated" }.

Options:
  -p, --protocol <name>     fastcgi, scgi or uwsgi
  -d, --direction <dir>     to-app:    bytes the web server sent to the application
                            to-server: bytes the application sent back to the web server
      --strict              scgi to-app only: read the header block exactly as the SCGI spec says
                            (no leading zeros, SCGI=1 required, no repeated names)
      --demo                decode the nginx FastCGI capture bundled with gw
                            (same as --protocol fastcgi --direction to-app <capture>)
  -h, --help                show this help

FILE is read in 64 KiB chunks; "-" reads stdin.

Exit status:
  0  the input decoded cleanly
  1  the input is malformed: the JSON is still printed, with "error": { "code", "offset",
     "message" } and everything decoded before the error
  2  usage error (unknown flag, missing value, unreadable file)
  70 internal error (a bug in gw)

Examples:
  gw inspect --demo
  gw inspect --protocol fastcgi --direction to-app nginx-to-php.bin
  gw inspect -p scgi -d to-app --strict request.bin
  cat reply.bin | gw inspect -p uwsgi -d to-server -
  gw inspect -p fastcgi -d to-server reply.bin | jq '.requests[0].stdout'
`;

/** `gw serve --help`. */
export const SERVE_HELP = `Usage: gw serve [options] APP

Serves the application exported by the module APP over FastCGI, SCGI or uwsgi (behind nginx,
Apache, lighttpd, Caddy, HAProxy…), or answers one request as a CGI/1.1 program.

APP (ESM or CommonJS, path relative to the current directory) exports as default (CommonJS:
module.exports) one of:
  a request listener (req, res) => …   an Express or Connect app   a Koa app
  a Fastify instance                   an http.Server (not listening; its 'request' listeners)
  an object with fetch(request)        (Hono and other Fetch handlers)
  a function without parameters returning (or resolving to) one of these

Options:
  -p, --protocol <name>       fastcgi (default), scgi, uwsgi, or cgi (one request: environment
                              and stdin in, response on stdout; for plain CGI in a web server)
  -l, --listen <address>      HOST:PORT, [IPV6]:PORT, PORT (on 127.0.0.1), unix:PATH or fd:N.
                              Default: fd 3 under systemd socket activation (LISTEN_FDS), else
                              fd 0 if it is a listening socket (spawn-fcgi), else 127.0.0.1:9000
      --socket-mode <mode>    file mode of a unix socket, octal (660)
  -w, --workers <n|auto>      worker processes sharing the socket (node:cluster); default 1 = no
                              cluster. auto = one per CPU
      --max-requests <n>      replace a worker after it served n requests (implies the cluster)
  -t, --timeout <duration>    graceful shutdown: how long requests in flight may take (default 30s)
      --pidfile <path>        write the (primary) process id there; removed at exit
      --allow <list>          peers allowed to connect: addresses or CIDR ranges, comma-separated
                              (FastCGI default: FCGI_WEB_SERVER_ADDRS, else everyone)
      --max-body <size>       largest request body (default 64m)
      --max-connections <n>   connections at once per process (default 1024)
      --max-vars-bytes <size> uwsgi: largest vars block, up to 65535 (default 4096, as uWSGI's
                              buffer-size; raise it for long cookies or URLs)
      --headers-timeout <d>   time to receive a request's head (default 30s)
      --handler-timeout <d>   time a handler may take to respond (default 0 = none)
      --keepalive-timeout <d> FastCGI: idle time of a kept-alive connection (default 60s)
  -c, --config <file>         JSON object with the same keys (listen, workers, max-body…, app);
                              flags win
  -q, --quiet                 log errors only
  -h, --help                  show this help

Durations: 30 or 30s, 500ms, 2m. Sizes: bytes, or 512k, 64m, 1g.

Signals: SIGTERM/SIGINT drain requests in flight (up to --timeout), then exit 0. SIGHUP (with
workers) starts new workers, then retires the old ones once the new ones listen: a reload of
the application code without dropping a request. A crashed worker is replaced.

Exit status:
  0  stopped after SIGTERM/SIGINT; cgi: the response was written whole
  1  cgi: the handler failed or the response was cut short
  2  usage error, or cannot start: module not found, unusable export, address in use,
     socket path in use, pidfile held by a running process
  70 internal error (a bug in gw)

Examples:
  gw serve app.mjs                                   # FastCGI on 127.0.0.1:9000
  gw serve -p scgi -l unix:/run/app/scgi.sock --socket-mode 660 -w 4 app.cjs
  gw serve -p uwsgi -l 127.0.0.1:3031 --allow 127.0.0.1,::1 --max-requests 10000 server.js
  spawn-fcgi -s /run/app.sock -- $(command -v gw) serve app.mjs   # socket passed as fd 0
  gw serve --protocol cgi app.mjs                    # as a CGI program (#!/usr/bin/env -S gw serve -p cgi)
  gw serve --config gw.json
  kill -HUP $(cat /run/gw.pid)                       # reload with --pidfile /run/gw.pid -w 2
`;
