import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApache } from '../src/apache.js';
import { connectionProblems, type RunningFastCgiApp, startFastCgiApp } from '../src/app-server.js';
import { missingReason } from '../src/binaries.js';
import { patternSha256, sha256 } from '../src/body-pattern.js';
import type { EchoDescription } from '../src/echo-app.js';
import type { FrontEnd } from '../src/front-end.js';
import { disconnectMidDownload, disconnectMidUpload } from '../src/client-aborts.js';
import { httpRequest } from '../src/http-client.js';
import { BODY_SIZES, manyHeaders, randomBody } from '../src/test-requests.js';
import { upstreamHost } from '../src/upstream.js';

const skip = missingReason('apache2');

/** An htpasswd line in Apache's `{SHA}` format (base64 SHA-1), which needs no crypt(3). */
const htpasswd = (user: string, password: string) => `${user}:{SHA}${createHash('sha1').update(password).digest('base64')}\n`;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe.skipIf(skip !== '')(`FastCGI application server behind Apache mod_proxy_fcgi and mod_authnz_fcgi${skip}`, () => {
  let plain: RunningFastCgiApp;
  let reuse: RunningFastCgiApp;
  let unix: RunningFastCgiApp;
  let gate: RunningFastCgiApp;
  let guarded: RunningFastCgiApp;
  let apache: FrontEnd;
  const apps = () => [plain, reuse, unix, gate, guarded];

  beforeAll(async () => {
    [plain, reuse, unix, gate, guarded] = await Promise.all([
      startFastCgiApp(),
      startFastCgiApp(),
      startFastCgiApp({ unixSocket: true }),
      startFastCgiApp({ server: { roles: ['authorizer'] } }),
      startFastCgiApp(),
    ]);
    const gateAddress = `fcgi://${'port' in gate.upstream ? `${upstreamHost(gate.upstream)}:${gate.upstream.port}` : ''}/`;
    apache = await startApache({
      routes: [
        { path: '/fcgi/', protocol: 'fcgi', upstream: plain.upstream },
        { path: '/reuse/', protocol: 'fcgi', upstream: reuse.upstream, reuse: true },
        { path: '/unix/', protocol: 'fcgi', upstream: unix.upstream },
        { path: '/gate/', protocol: 'fcgi', upstream: guarded.upstream },
        { path: '/authz/', protocol: 'fcgi', upstream: guarded.upstream },
      ],
      files: { htpasswd: htpasswd('alice', 'wonderland') },
      config: (prefix) => `
# Generic FastCGI Authorizer, one call deciding authentication and authorization (check_user_id
# mode): the user name comes back in Variable-GW_USER; a non-200 answer goes to the client.
AuthnzFcgiDefineProvider authnz GwGate ${gateAddress}
<Location "/gate/">
    AuthnzFcgiCheckAuthnProvider GwGate Authoritative On RequireBasicAuth Off UserExpr "%{reqenv:GW_USER}"
    Require GwGate
</Location>

# Apache-specific authorizer (FCGI_APACHE_ROLE=AUTHORIZER) after Basic authentication.
AuthnzFcgiDefineProvider authz GwAuthz ${gateAddress}
<Location "/authz/">
    AuthType Basic
    AuthName "gw interop"
    AuthBasicProvider file
    AuthUserFile "${prefix.file('htpasswd')}"
    Require GwAuthz
</Location>
`,
    });
  });

  afterAll(async () => {
    await apache?.stop();
    await Promise.all(apps().map((a) => a?.close()));
  });

  const get = (path: string, headers?: Record<string, string>) => httpRequest({ port: apache.port, path, headers });
  const json = (body: Buffer) => JSON.parse(body.toString()) as EchoDescription;

  it.each(['fcgi', 'unix'])('answers a GET (%s)', async (via) => {
    const res = await get(`/${via}/hello?x=1`, { 'X-Probe': 'yes' });
    expect(res.status).toBe(200);
    const echo = json(res.body);
    expect(echo.method).toBe('GET');
    expect(echo.url).toBe(`/${via}/hello?x=1`);
    expect(echo.headers.HTTP_X_PROBE).toBe('yes');
    expect(echo.transport).toMatchObject({ requestId: 1, keepConn: false });
  });

  it.each(Object.entries(BODY_SIZES))('uploads a %s body intact', async (_name, size) => {
    const body = randomBody(size);
    const res = await httpRequest({ port: apache.port, path: '/fcgi/upload', body });
    expect(res.status).toBe(200);
    expect(json(res.body).body).toEqual({ length: size, sha256: sha256(body) });
  });

  it.each(Object.entries(BODY_SIZES))('downloads a %s body intact', async (_name, size) => {
    const res = await httpRequest({ port: apache.port, path: `/fcgi/download?size=${size}`, keepBody: false });
    expect(res.status).toBe(200);
    expect(res.length).toBe(size);
    expect(res.sha256).toBe(patternSha256(size));
  });

  it('streams a chunked upload', async () => {
    const body = randomBody(BODY_SIZES.medium);
    const res = await httpRequest({ port: apache.port, path: '/fcgi/chunked', body, chunked: true, writeSize: 8 * 1024 });
    expect(res.status).toBe(200);
    expect(json(res.body).body).toEqual({ length: body.length, sha256: sha256(body) });
  });

  it('passes 60 request headers including a 6 KiB cookie', async () => {
    const headers = manyHeaders(60, 6 * 1024);
    const res = await get('/fcgi/headers', headers);
    expect(res.status).toBe(200);
    const echo = json(res.body);
    for (const [name, value] of Object.entries(headers)) {
      expect(echo.headers[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`]).toBe(value);
    }
  });

  it('relays the status, and logs STDERR in the error log', async () => {
    const res = await get('/fcgi/teapot?status=418&stderr=1');
    expect(res.status).toBe(418);
    expect(apache.logs()).toContain('echo-app stderr for /fcgi/teapot?status=418&stderr=1');
  });

  it('without enablereuse: one connection per request', async () => {
    const before = plain.connections;
    for (let i = 0; i < 5; i++) expect((await get(`/fcgi/seq/${i}`)).status).toBe(200);
    expect(plain.connections - before).toBe(5);
  });

  it('with enablereuse=on: KEEP_CONN is set and sequential requests reuse the connection', async () => {
    const n = 10;
    for (let i = 0; i < n; i++) {
      const res = await get(`/reuse/seq/${i}`);
      expect(res.status).toBe(200);
      expect(json(res.body).transport).toMatchObject({ keepConn: true });
    }
    console.info(`[interop] Apache enablereuse=on: ${n} sequential requests over ${reuse.connections} connection(s)`);
    expect(reuse.connections).toBeLessThan(n);
  });

  describe.each([
    ['without enablereuse', '/fcgi'],
    ['with enablereuse=on', '/reuse'],
  ])('client disconnects (%s)', (_name, base) => {
    const app = () => (base === '/fcgi' ? plain : reuse);

    it('mid-upload: the app sees the abort, and the next request works', async () => {
      const { response, abort, end } = await disconnectMidUpload({ port: apache.port, path: `${base}/cut-upload`, observer: app().app.observer });
      expect(response.disconnected).toBe(true);
      expect(end).toBeNull();
      expect(abort?.bodyBytes).toBeGreaterThan(0);
      expect((await get(`${base}/after-cut-upload`)).status).toBe(200);
    });

    it('mid-download: the app sees the abort, and the next request works', async () => {
      const { response, abort, end } = await disconnectMidDownload({ port: apache.port, path: `${base}/cut-download`, observer: app().app.observer });
      expect(response.disconnected).toBe(true);
      expect(end).toBeNull();
      expect(abort?.sentBytes).toBeGreaterThan(0);
      const next = await get(`${base}/after-cut-download?size=${BODY_SIZES.medium}`);
      expect(next.sha256).toBe(patternSha256(BODY_SIZES.medium));
    });
  });

  describe('mod_authnz_fcgi, generic Authorizer (authnz provider, check_user_id mode)', () => {
    it('allow: the Authorizer answers 200, the protected resource is served with its Variable-* values', async () => {
      const before = gate.app.observer.count('end');
      const res = await get('/gate/secret?user=carol');
      expect(res.status).toBe(200);
      expect(gate.app.observer.count('end')).toBe(before + 1);
      const authorizerSaw = gate.app.observer.events.filter((e) => e.kind === 'end').at(-1);
      expect(authorizerSaw?.role).toBe('authorizer');
      const echo = json(res.body);
      expect(echo.role).toBe('responder');
      expect(echo.url).toBe('/gate/secret?user=carol');
      // Variable-GW_USER / Variable-GW_AUTHORIZER became request variables; UserExpr made GW_USER the user.
      expect(echo.vars.GW_USER).toBe('carol');
      expect(echo.vars.GW_AUTHORIZER).toBe('gw-echo');
      expect(echo.vars.REMOTE_USER).toBe('carol');
    });

    it("deny: the Authorizer's 403 and body go to the client, the resource is not reached", async () => {
      const before = guarded.app.observer.count('start');
      const res = await get('/gate/secret?status=403');
      expect(res.status).toBe(403);
      const body = json(res.body);
      expect(body.role).toBe('authorizer');
      expect(body.vars.FCGI_ROLE).toBe('AUTHORIZER');
      expect(body.vars.FCGI_APACHE_ROLE).toBe('AUTHENTICATOR');
      // FastCGI §6.3: an Authorizer gets no CONTENT_LENGTH (and Apache sends no STDIN at all).
      expect(body.contentLength).toBeNull();
      expect(body.transport).toMatchObject({ keepConn: false });
      expect(guarded.app.observer.count('start')).toBe(before);
    });
  });

  describe('mod_authnz_fcgi, Apache authz provider after Basic authentication', () => {
    it('allow: 200 and the resource sees the Variable-* values', async () => {
      const res = await get('/authz/doc', { Authorization: basic('alice', 'wonderland') });
      expect(res.status).toBe(200);
      const echo = json(res.body);
      expect(echo.role).toBe('responder');
      expect(echo.vars.REMOTE_USER).toBe('alice');
      expect(echo.vars.GW_AUTHORIZER).toBe('gw-echo');
      const authorizerSaw = gate.app.observer.events.filter((e) => e.kind === 'end').at(-1);
      expect(authorizerSaw?.url).toBe('/authz/doc');
      expect(authorizerSaw?.vars).toMatchObject({ FCGI_ROLE: 'AUTHORIZER', FCGI_APACHE_ROLE: 'AUTHORIZER', REMOTE_USER: 'alice' });
    });

    it('deny: a non-200 from the authorizer refuses access', async () => {
      const res = await get('/authz/doc?status=403', { Authorization: basic('alice', 'wonderland') });
      // mod_authz_core answers an authorization failure of an authenticated user with 401 (re-prompt).
      expect(res.status).toBe(401);
      expect(gate.app.observer.events.filter((e) => e.kind === 'end').at(-1)?.url).toBe('/authz/doc?status=403');
    });
  });

  it('no connection-level errors from the app servers with Apache as the peer', () => {
    for (const app of apps()) expect(connectionProblems(app)).toEqual([]);
  });
});
