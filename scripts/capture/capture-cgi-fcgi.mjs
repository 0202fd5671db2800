#!/usr/bin/env node
// libfcgi's `cgi-fcgi -bind -connect` as a FastCGI client. It is a CGI program: it forwards its
// whole environment as PARAMS and its stdin as STDIN, so it runs with an explicit CGI environment
// (no web server in front) and the POST body on stdin.

import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeBackend } from './lib/fake-backend.mjs';
import { postBody, REQUESTS } from './lib/http-client.mjs';
import { debianVersion } from './lib/processes.mjs';
import { captureDir, saveCapture, saveText } from './lib/save.mjs';

/** The CGI environment a web server would give a CGI program for `kind`. */
function cgiEnvironment(kind) {
  const { method, path } = REQUESTS[kind];
  const [pathPart, query = ''] = path.split('?');
  const env = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    SERVER_SOFTWARE: 'gw-capture/1',
    SERVER_NAME: 'capture.test',
    SERVER_PORT: '80',
    REMOTE_ADDR: '127.0.0.1',
    REQUEST_METHOD: method,
    SCRIPT_NAME: `/cgi-fcgi/${pathPart}`,
    QUERY_STRING: query,
    REQUEST_URI: `/cgi-fcgi/${path}`,
    HTTP_USER_AGENT: 'gw-capture/1',
  };
  if (method === 'POST') {
    env.CONTENT_TYPE = 'application/x-www-form-urlencoded';
    env.CONTENT_LENGTH = String(postBody().length);
  }
  return env;
}

function runCgiFcgi(address, env, input) {
  return new Promise((resolve, reject) => {
    const child = spawn('cgi-fcgi', ['-bind', '-connect', `127.0.0.1:${address}`], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => process.stderr.write(c));
    child.once('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('latin1') });
    });
    child.stdin.end(input);
  });
}

export async function captureCgiFcgi() {
  const version = debianVersion('libfcgi-bin') ?? 'unknown';
  const label = `cgi-fcgi-${version.replace(/-.*/, '')}`;
  const dir = captureDir(label);
  const backend = await startFakeBackend('fastcgi');
  try {
    for (const kind of ['get', 'post']) {
      const env = cgiEnvironment(kind);
      const input = kind === 'post' ? postBody() : Buffer.alloc(0);
      const result = await runCgiFcgi(backend.address, env, input);
      await sleep(200);
      const segments = backend.take();
      if (result.code !== 0 || segments.length !== 1) throw new Error(`cgi-fcgi ${kind}: exit ${result.code}, ${segments.length} connection(s)`);
      saveText(dir, `environment-${kind}.env`, Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''));
      saveCapture({
        dir,
        name: `fastcgi-${kind}`,
        protocol: 'fastcgi',
        direction: 'to-app',
        bytes: segments[0].bytes,
        title: `${label} cgi-fcgi -bind -connect ${kind.toUpperCase()}`,
        source: {
          server: `cgi-fcgi from libfcgi (Debian package libfcgi-bin ${version})`,
          config: `captured/${label}/environment-${kind}.env (the whole environment; cgi-fcgi forwards all of it as PARAMS)`,
          command: `env -i <environment> cgi-fcgi -bind -connect 127.0.0.1:$BACKEND_PORT${kind === 'post' ? ' < 10000-byte body' : ' < /dev/null'}`,
          client: 'no HTTP client: cgi-fcgi is run directly as a CGI program',
          connection: `connection #${segments[0].connection + 1} of the back end`,
          script: 'scripts/capture/capture-cgi-fcgi.mjs',
          capturedAt: new Date().toISOString().slice(0, 10),
        },
      });
    }
  } finally {
    await backend.close();
  }
  return label;
}

if (import.meta.url === `file://${process.argv[1]}`) await captureCgiFcgi();
