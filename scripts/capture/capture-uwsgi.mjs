#!/usr/bin/env node
// uWSGI (python3 plugin, one WSGI app) answering on a uwsgi, an SCGI and a FastCGI socket at once:
// what it sends back to a GET and a POST on each.

import { join } from 'node:path';
import { captureAppServer } from './lib/app-server.mjs';
import { postBody } from './lib/http-client.mjs';
import { debianVersion, startServer, versionLine } from './lib/processes.mjs';
import { fcgiRequest, scgiRequest, uwsgiRequest } from './lib/wire.mjs';

const APP = `# Answers every request with a short text naming the method and the body length.
def application(environ, start_response):
    length = int(environ.get('CONTENT_LENGTH') or 0)
    body = environ['wsgi.input'].read(length)
    text = 'hello %s %d\\n' % (environ['REQUEST_METHOD'], len(body))
    start_response('200 OK', [('Content-Type', 'text/plain'), ('X-Gw-Capture', 'uwsgi')])
    return [text.encode('latin-1')]
`;

/** CGI params as a front end would send them (CONTENT_LENGTH first, as SCGI requires). */
function params(method, query, body, extra = []) {
  return [
    ['CONTENT_LENGTH', String(body.length)],
    ...extra,
    ['REQUEST_METHOD', method],
    ['REQUEST_URI', `/app${query ? `?${query}` : ''}`],
    ['PATH_INFO', '/app'],
    ['SCRIPT_NAME', ''],
    ['QUERY_STRING', query],
    ['CONTENT_TYPE', body.length ? 'application/x-www-form-urlencoded' : ''],
    ['SERVER_PROTOCOL', 'HTTP/1.1'],
    ['SERVER_NAME', 'capture.test'],
    ['SERVER_PORT', '80'],
    ['REMOTE_ADDR', '127.0.0.1'],
    ['HTTP_HOST', 'capture.test'],
  ];
}

export async function captureUwsgi() {
  const version = versionLine('uwsgi', ['--version']);
  const label = `uwsgi-${version.replace(/-.*/, '')}`;
  const command = (prefix) => [
    '--plugin', 'python3',
    '--master', '--processes', '1',
    '--uwsgi-socket', join(prefix, 'uwsgi.sock'),
    '--scgi-socket', join(prefix, 'scgi.sock'),
    '--fastcgi-socket', join(prefix, 'fastcgi.sock'),
    '--chmod-socket=666',
    '--wsgi-file', join(prefix, 'app.py'),
    '--logto', join(prefix, 'uwsgi.log'),
  ];
  await captureAppServer({
    label,
    script: 'scripts/capture/capture-uwsgi.mjs',
    server: `uWSGI ${version} (Debian packages uwsgi-core ${debianVersion('uwsgi-core')}, uwsgi-plugin-python3 ${debianVersion('uwsgi-plugin-python3')})`,
    files: () => ({ 'app.py': APP }),
    start: ({ prefix }) =>
      startServer({
        command: 'uwsgi',
        args: command(prefix),
        logFile: join(prefix, 'stdout.log'),
        // SIGTERM only reloads uWSGI 2.0; SIGINT stops it.
        stopSignal: 'SIGINT',
      }),
    listeners: ({ prefix }) => ['uwsgi.sock', 'scgi.sock', 'fastcgi.sock'].map((s) => join(prefix, s)),
    commandFor: () => `uwsgi ${command('$PREFIX').join(' ')}`,
    exchanges: ({ prefix }) => {
      const body = postBody();
      const empty = Buffer.alloc(0);
      const out = [];
      for (const [kind, method, query, payload] of [
        ['get', 'GET', 'x=1', empty],
        ['post', 'POST', 'mode=post', body],
      ]) {
        out.push(
          {
            name: `uwsgi-${kind}`,
            protocol: 'uwsgi',
            target: join(prefix, 'uwsgi.sock'),
            request: uwsgiRequest(params(method, query, payload), payload),
            title: `uwsgi-socket answer to a ${method}`,
            note: `uwsgi packet modifier1 0, ${method}, ${payload.length}-byte body`,
          },
          {
            name: `scgi-${kind}`,
            protocol: 'scgi',
            target: join(prefix, 'scgi.sock'),
            request: scgiRequest(params(method, query, payload, [['SCGI', '1']]), payload),
            title: `scgi-socket answer to a ${method}`,
            note: `SCGI netstring, ${method}, ${payload.length}-byte body`,
          },
          {
            name: `fastcgi-${kind}`,
            protocol: 'fastcgi',
            target: join(prefix, 'fastcgi.sock'),
            request: fcgiRequest({ params: params(method, query, payload), body: payload }),
            title: `fastcgi-socket answer to a ${method}`,
            note: `BEGIN_REQUEST id 1 RESPONDER without KEEP_CONN, ${method}, ${payload.length}-byte STDIN`,
          },
        );
      }
      return out;
    },
  });
  return label;
}

if (import.meta.url === `file://${process.argv[1]}`) await captureUwsgi();
