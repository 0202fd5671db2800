#!/usr/bin/env node
// php-fpm as a FastCGI application: what it answers to a GET, a POST (which also logs to STDERR),
// a GET with a 70 000-byte response (PHP cuts STDOUT into 0xFFF8-byte records) and GET_VALUES.

import { join } from 'node:path';
import { captureAppServer } from './lib/app-server.mjs';
import { postBody } from './lib/http-client.mjs';
import { debianVersion, startServer, versionLine } from './lib/processes.mjs';
import { FCGI, fcgiPairs, fcgiRecord, fcgiRequest } from './lib/wire.mjs';

const APP = `<?php
// Answers every request with a short text; a POST also writes one line to the FastCGI STDERR
// stream (error_log goes there under php-fpm), and ?size=N appends N bytes of filler.
$method = $_SERVER['REQUEST_METHOD'];
$body = file_get_contents('php://input');
if ($method === 'POST') {
    error_log('gw capture: POST of ' . strlen($body) . ' bytes');
}
header('Content-Type: text/plain');
header('X-Gw-Capture: php-fpm');
echo "hello $method ", strlen($body), "\\n";
$size = isset($_GET['size']) ? (int) $_GET['size'] : 0;
if ($size > 0) {
    echo str_repeat('x', $size);
}
`;

/** The CGI params nginx's fastcgi.conf would send, reduced to what PHP needs. */
function params(prefix, method, query, body) {
  return [
    ['SCRIPT_FILENAME', `${prefix}/app.php`],
    ['SCRIPT_NAME', '/app.php'],
    ['REQUEST_URI', `/app.php${query ? `?${query}` : ''}`],
    ['QUERY_STRING', query],
    ['REQUEST_METHOD', method],
    ['CONTENT_TYPE', body.length ? 'application/x-www-form-urlencoded' : ''],
    ['CONTENT_LENGTH', body.length ? String(body.length) : ''],
    ['SERVER_PROTOCOL', 'HTTP/1.1'],
    ['GATEWAY_INTERFACE', 'CGI/1.1'],
    ['SERVER_SOFTWARE', 'gw-capture/1'],
    ['SERVER_NAME', 'capture.test'],
    ['SERVER_PORT', '80'],
    ['REMOTE_ADDR', '127.0.0.1'],
    ['REMOTE_PORT', '40000'],
    ['HTTP_HOST', 'capture.test'],
  ];
}

export async function capturePhpFpm() {
  const banner = versionLine('php-fpm8.2', ['-v']);
  const version = /PHP ([\d.]+)/.exec(banner)?.[1] ?? 'unknown';
  const label = `php-fpm-${version}`;
  await captureAppServer({
    label,
    script: 'scripts/capture/capture-php-fpm.mjs',
    server: `${banner} (Debian package php8.2-fpm ${debianVersion('php8.2-fpm')}), run with -n (no php.ini)`,
    files: ({ prefix }) => ({
      'php-fpm.conf': `[global]
pid = ${prefix}/php-fpm.pid
error_log = ${prefix}/php-fpm.log
daemonize = no

[capture]
user = www-data
group = www-data
listen = ${prefix}/php.sock
listen.mode = 0666
pm = static
pm.max_children = 1
`,
      'app.php': APP,
    }),
    start: ({ prefix }) =>
      startServer({
        command: 'php-fpm8.2',
        args: ['-n', '-F', '-y', join(prefix, 'php-fpm.conf')],
        logFile: join(prefix, 'stdout.log'),
        stopSignal: 'SIGQUIT',
      }),
    listeners: ({ prefix }) => [join(prefix, 'php.sock')],
    commandFor: () => 'php-fpm8.2 -n -F -y $PREFIX/php-fpm.conf',
    exchanges: ({ prefix }) => {
      const socket = join(prefix, 'php.sock');
      const body = postBody();
      const empty = Buffer.alloc(0);
      const names = ['FCGI_MAX_CONNS', 'FCGI_MAX_REQS', 'FCGI_MPXS_CONNS'].map((n) => [n, '']);
      return [
        {
          name: 'fastcgi-get',
          protocol: 'fastcgi',
          target: socket,
          request: fcgiRequest({ params: params(prefix, 'GET', 'x=1', empty) }),
          title: 'php-fpm answer to a GET responder request',
          note: 'BEGIN_REQUEST id 1 RESPONDER without KEEP_CONN, PARAMS, empty STDIN',
        },
        {
          name: 'fastcgi-post',
          protocol: 'fastcgi',
          target: socket,
          request: fcgiRequest({ params: params(prefix, 'POST', 'mode=post', body), body }),
          title: 'php-fpm answer to a POST (STDERR from error_log)',
          note: 'BEGIN_REQUEST id 1 RESPONDER without KEEP_CONN, PARAMS, 10 000 bytes of STDIN',
        },
        {
          name: 'fastcgi-big',
          protocol: 'fastcgi',
          target: socket,
          request: fcgiRequest({ params: params(prefix, 'GET', 'size=70000', empty) }),
          title: 'php-fpm answer with a 70 000-byte body (0xFFF8-byte STDOUT records)',
          note: 'BEGIN_REQUEST id 1 RESPONDER without KEEP_CONN, PARAMS with QUERY_STRING size=70000, empty STDIN',
        },
        {
          name: 'fastcgi-get-values',
          protocol: 'fastcgi',
          target: socket,
          request: fcgiRecord(FCGI.GET_VALUES, 0, fcgiPairs(names)),
          title: 'php-fpm GET_VALUES_RESULT',
          note: 'GET_VALUES for FCGI_MAX_CONNS, FCGI_MAX_REQS, FCGI_MPXS_CONNS',
        },
      ];
    },
  });
  return label;
}

if (import.meta.url === `file://${process.argv[1]}`) await capturePhpFpm();
