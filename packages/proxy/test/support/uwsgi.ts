import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ManagedProcess, startProcess, waitForListener } from './managed-process.js';
import { makeTempPrefix } from './temp-prefix.js';

/**
 * A WSGI app covering the same cases as the PHP scripts, routed by PATH_INFO. Bodies are read
 * in 64 KiB pieces and hashed, so a 50 MiB upload never sits in memory whole.
 */
export const WSGI_APP = String.raw`
import hashlib, json, sys
from email.parser import BytesParser
from email.policy import HTTP

def read_body(environ):
    stream = environ['wsgi.input']
    length = int(environ.get('CONTENT_LENGTH') or 0)
    while length > 0:
        piece = stream.read(min(65536, length))
        if not piece:
            break
        length -= len(piece)
        yield piece

def application(environ, start_response):
    path = environ.get('PATH_INFO', '')
    if path == '/hello':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [('Hello from WSGI ' + environ['REQUEST_METHOD'] + ' ' + environ.get('QUERY_STRING', '')).encode()]
    if path == '/digest':
        h = hashlib.sha256(); n = 0
        for piece in read_body(environ):
            h.update(piece); n += len(piece)
        start_response('200 OK', [('Content-Type', 'application/json')])
        return [json.dumps({'length': n, 'sha256': h.hexdigest(), 'contentLength': environ.get('CONTENT_LENGTH')}).encode()]
    if path == '/echo':
        start_response('200 OK', [('Content-Type', 'application/octet-stream')])
        return read_body(environ)
    if path == '/upload':
        raw = b''.join(read_body(environ))
        msg = BytesParser(policy=HTTP).parsebytes(b'Content-Type: ' + environ['CONTENT_TYPE'].encode() + b'\r\n\r\n' + raw)
        files = {}
        for part in msg.iter_parts():
            if part.get_filename() is None:
                continue
            data = part.get_payload(decode=True)
            files[part.get_param('name', header='content-disposition')] = {'name': part.get_filename(), 'size': len(data), 'sha256': hashlib.sha256(data).hexdigest()}
        start_response('200 OK', [('Content-Type', 'application/json')])
        return [json.dumps({'files': files}).encode()]
    if path == '/notfound':
        start_response('404 Not Found', [('Content-Type', 'text/plain')])
        return [b'no such thing']
    if path == '/redirect':
        start_response('302 Found', [('Location', 'https://example.test/elsewhere')])
        return [b'moved']
    if path == '/cookies':
        start_response('200 OK', [('Set-Cookie', 'a=1'), ('Set-Cookie', 'b=2; Path=/x'), ('Set-Cookie', 'c=three')])
        return [b'cookies']
    if path == '/stderr':
        print('gw-stderr-marker one', file=environ['wsgi.errors']); environ['wsgi.errors'].flush()
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [b'body after stderr']
    if path == '/params':
        v = environ.get('X_BIG', '')
        start_response('200 OK', [('Content-Type', 'application/json')])
        return [json.dumps({'length': len(v), 'md5': hashlib.md5(v.encode('latin1')).hexdigest()}).encode()]
    if path == '/server':
        start_response('200 OK', [('Content-Type', 'application/json')])
        return [json.dumps({k: v for k, v in environ.items() if isinstance(v, str)}).encode()]
    start_response('404 Not Found', [('Content-Type', 'text/plain')])
    return [b'unknown path ' + path.encode('latin1')]
`;

/** A running uWSGI with the WSGI app on a uwsgi, an SCGI and a FastCGI unix socket. */
export interface Uwsgi {
  uwsgiSocket: string;
  scgiSocket: string;
  fastcgiSocket: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Starts `uwsgi --plugin python3` from a temp prefix with 2 worker processes and a 64 KiB
 * `buffer-size` (the default 4096 refuses larger vars blocks).
 */
export async function startUwsgi(): Promise<Uwsgi> {
  const prefix = makeTempPrefix('uwsgi');
  const dir = prefix.dir;
  writeFileSync(join(dir, 'app.py'), WSGI_APP);
  const uwsgiSocket = join(dir, 'uwsgi.sock');
  const scgiSocket = join(dir, 'scgi.sock');
  const fastcgiSocket = join(dir, 'fcgi.sock');
  const proc = startProcess(
    'uwsgi',
    [
      '--plugin', 'python3',
      '--master',
      '--processes', '2',
      '--uwsgi-socket', uwsgiSocket,
      '--scgi-socket', scgiSocket,
      '--fastcgi-socket', fastcgiSocket,
      '--chmod-socket=666',
      '--wsgi-file', join(dir, 'app.py'),
      '--buffer-size', '65535',
      // The default backlog (100) refuses a burst of 200 unix-socket connects with EAGAIN.
      '--listen', '1024',
      '--die-on-term',
      '--logto', join(dir, 'uwsgi.log'),
    ],
    join(dir, 'stdout.log'),
    'SIGINT',
  );
  try {
    for (const path of [uwsgiSocket, scgiSocket, fastcgiSocket]) await waitForListener({ path }, proc);
  } catch (err) {
    await proc.stop();
    prefix.remove();
    throw err;
  }
  return {
    uwsgiSocket,
    scgiSocket,
    fastcgiSocket,
    process: {
      pid: proc.pid,
      logs: () => proc.logs() + readLog(join(dir, 'uwsgi.log')),
      stop: () => proc.stop(),
    },
    async stop() {
      await proc.stop();
      prefix.remove();
    },
  };
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '';
  }
}
