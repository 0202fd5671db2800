import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { buildCgiParams, headerParams, parseRequestPath, parseUpstream, ProxyErrorCode } from '../src/index.js';

function fakeRequest(init: { method?: string; url?: string; rawHeaders?: string[]; tls?: boolean; remote?: string }): IncomingMessage {
  const rawHeaders = init.rawHeaders ?? ['Host', 'example.test:8080'];
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) headers[(rawHeaders[i] as string).toLowerCase()] = rawHeaders[i + 1] as string;
  return {
    method: init.method ?? 'GET',
    url: init.url ?? '/',
    httpVersion: '1.1',
    headers,
    rawHeaders,
    socket: { remoteAddress: init.remote ?? '::ffff:192.0.2.7', remotePort: 51000, localAddress: '::ffff:127.0.0.1', localPort: 8080, encrypted: init.tls === true },
  } as unknown as IncomingMessage;
}

describe('buildCgiParams', () => {
  it('builds nginx’s fastcgi.conf set, in its order, then the headers', () => {
    const req = fakeRequest({ method: 'POST', url: '/app/index.php?a=1&b=%20', rawHeaders: ['Host', 'Example.test:8080', 'Content-Type', 'text/plain', 'Content-Length', '5'] });
    const params = buildCgiParams({
      req,
      scheme: 'fastcgi',
      path: parseRequestPath(req.url as string),
      requestUri: req.url as string,
      documentRoot: '/srv/www',
      script: { filename: '/srv/www/app/index.php', name: '/app/index.php' },
      contentLength: '5',
      serverName: undefined,
      serverSoftware: 'gw-proxy',
      extra: undefined,
    });
    expect([...params]).toEqual([
      ['QUERY_STRING', 'a=1&b=%20'],
      ['REQUEST_METHOD', 'POST'],
      ['CONTENT_TYPE', 'text/plain'],
      ['CONTENT_LENGTH', '5'],
      ['SCRIPT_FILENAME', '/srv/www/app/index.php'],
      ['SCRIPT_NAME', '/app/index.php'],
      ['REQUEST_URI', '/app/index.php?a=1&b=%20'],
      ['DOCUMENT_URI', '/app/index.php'],
      ['DOCUMENT_ROOT', '/srv/www'],
      ['SERVER_PROTOCOL', 'HTTP/1.1'],
      ['REQUEST_SCHEME', 'http'],
      ['GATEWAY_INTERFACE', 'CGI/1.1'],
      ['SERVER_SOFTWARE', 'gw-proxy'],
      ['REMOTE_ADDR', '192.0.2.7'],
      ['REMOTE_PORT', '51000'],
      ['SERVER_ADDR', '127.0.0.1'],
      ['SERVER_PORT', '8080'],
      ['SERVER_NAME', 'example.test'],
      ['REDIRECT_STATUS', '200'],
      ['HTTP_HOST', 'Example.test:8080'],
      ['HTTP_CONTENT_TYPE', 'text/plain'],
      ['HTTP_CONTENT_LENGTH', '5'],
    ]);
  });

  it('sends HTTPS=on and REQUEST_SCHEME=https over TLS, empty CONTENT_* without a body, PATH_INFO for uwsgi', () => {
    const req = fakeRequest({ tls: true, url: '/a/b' });
    const base = { req, path: parseRequestPath('/a/b'), requestUri: '/a/b', documentRoot: '/r', script: { filename: '/r/a/b', name: '/a/b' }, contentLength: '', serverName: 'site', serverSoftware: 's', extra: undefined };
    const fcgi = buildCgiParams({ ...base, scheme: 'fastcgi' });
    expect(fcgi.get('HTTPS')).toBe('on');
    expect(fcgi.get('REQUEST_SCHEME')).toBe('https');
    expect(fcgi.get('CONTENT_TYPE')).toBe('');
    expect(fcgi.get('CONTENT_LENGTH')).toBe('');
    expect(fcgi.get('SERVER_NAME')).toBe('site');
    const uwsgi = buildCgiParams({ ...base, scheme: 'uwsgi' });
    expect(uwsgi.get('PATH_INFO')).toBe('/a/b');
    expect(uwsgi.get('SCRIPT_NAME')).toBe('');
    expect(uwsgi.has('SCRIPT_FILENAME')).toBe(false);
  });

  it('lets extra params replace standard ones and suppress the client’s header of the same name', () => {
    const req = fakeRequest({ rawHeaders: ['Host', 'h', 'X-Real', 'client'] });
    const params = buildCgiParams({
      req,
      scheme: 'fastcgi',
      path: parseRequestPath('/'),
      requestUri: '/',
      documentRoot: '/r',
      script: { filename: '/r/index.php', name: '/index.php' },
      contentLength: '',
      serverName: undefined,
      serverSoftware: 's',
      extra: { HTTP_X_REAL: 'configured', SERVER_NAME: 'forced', APP_ENV: 'test' },
    });
    expect(params.get('HTTP_X_REAL')).toBe('configured');
    expect(params.get('SERVER_NAME')).toBe('forced');
    expect(params.get('APP_ENV')).toBe('test');
  });
});

describe('headerParams (nginx rules)', () => {
  it('drops names with underscores or other non-alphanumerics, Proxy (httpoxy) and Transfer-Encoding', () => {
    const params = headerParams(['X-Ok', '1', 'X_Under', 'spoof', 'X.Dot', 'no', 'Proxy', 'http://evil', 'x-ok', '2', 'Transfer-Encoding', 'chunked']);
    expect([...params]).toEqual([['HTTP_X_OK', '1, 2']]);
  });

  it('joins repeated headers with ", " and Cookie with "; "', () => {
    const params = headerParams(['Cookie', 'a=1', 'Accept', 'text/html', 'cookie', 'b=2', 'ACCEPT', '*/*']);
    expect(params.get('HTTP_COOKIE')).toBe('a=1; b=2');
    expect(params.get('HTTP_ACCEPT')).toBe('text/html, */*');
  });
});

describe('parseRequestPath', () => {
  it.each([
    ['/a/b.php?x=1', '/a/b.php', 'x=1'],
    ['/a//b/./c/../d.php', '/a/b/d.php', ''],
    ['/caf%C3%A9.php', '/caf\u00c3\u00a9.php', ''],
    ['/dir/', '/dir/', ''],
    ['/dir/sub/..', '/dir/', ''],
    ['/?q', '/', 'q'],
    ['/a%2Fb', '/a/b', ''],
  ])('%s → uri %s, query %s', (target, uri, query) => {
    expect(parseRequestPath(target)).toEqual({ uri, query });
  });

  it.each(['/../etc/passwd', '/a/%2e%2e/%2e%2e/x', '/bad%zz', '/nul%00.php', 'relative'])('rejects %s with PROXY_ERR_BAD_REQUEST_PATH (400)', (target) => {
    expect(() => parseRequestPath(target)).toThrow(expect.objectContaining({ code: ProxyErrorCode.BAD_REQUEST_PATH, status: 400 }));
  });
});

describe('parseUpstream', () => {
  it.each([
    ['fastcgi://unix:/run/php/php-fpm.sock', { scheme: 'fastcgi', target: { path: '/run/php/php-fpm.sock' } }],
    ['fastcgi://127.0.0.1:9000', { scheme: 'fastcgi', target: { host: '127.0.0.1', port: 9000 } }],
    ['scgi://[::1]:4000', { scheme: 'scgi', target: { host: '::1', port: 4000 } }],
    ['uwsgi://unix:/tmp/u.sock?modifier1=5&modifier2=1', { scheme: 'uwsgi', target: { path: '/tmp/u.sock' }, modifier1: 5, modifier2: 1 }],
  ])('%s', (url, expected) => {
    expect(parseUpstream(url)).toEqual(expected);
  });

  it.each(['http://127.0.0.1:80', 'fastcgi://127.0.0.1', 'fastcgi://unix:', 'fastcgi://h:70000', 'fastcgi://h:1?modifier1=1', 'uwsgi://h:1?modifier1=300'])('rejects %s', (url) => {
    expect(() => parseUpstream(url)).toThrow(expect.objectContaining({ code: ProxyErrorCode.INVALID_UPSTREAM }));
  });
});
