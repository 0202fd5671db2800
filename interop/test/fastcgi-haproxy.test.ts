import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionProblems, type RunningFastCgiApp, startFastCgiApp } from '../src/app-server.js';
import { missingReason } from '../src/binaries.js';
import { patternSha256, sha256 } from '../src/body-pattern.js';
import type { EchoDescription } from '../src/echo-app.js';
import type { FrontEnd } from '../src/front-end.js';
import { startHaproxy } from '../src/haproxy.js';
import { disconnectMidDownload, disconnectMidUpload } from '../src/client-aborts.js';
import { type HttpResponse, httpRequest } from '../src/http-client.js';
import { BODY_SIZES, manyHeaders, randomBody } from '../src/test-requests.js';

const skip = missingReason('haproxy');
const json = (body: Buffer) => JSON.parse(body.toString()) as EchoDescription;

describe.skipIf(skip !== '')(`FastCGI application server behind HAProxy fcgi-app${skip}`, () => {
  describe('option keep-conn + option mpxs-conns (multiplexed connections)', () => {
    let app: RunningFastCgiApp;
    let haproxy: FrontEnd;

    beforeAll(async () => {
      app = await startFastCgiApp();
      haproxy = await startHaproxy({ app: app.upstream, keepConn: true, mpxsConns: true, maxReqs: 100, getValues: true });
    });

    afterAll(async () => {
      await haproxy?.stop();
      await app?.close();
    });

    it('answers a GET with KEEP_CONN set', async () => {
      const res = await httpRequest({ port: haproxy.port, path: '/hello?x=1', headers: { 'X-Probe': 'yes' } });
      expect(res.status).toBe(200);
      const echo = json(res.body);
      expect(echo.url).toBe('/hello?x=1');
      expect(echo.headers.HTTP_X_PROBE).toBe('yes');
      expect(echo.transport).toMatchObject({ keepConn: true });
    });

    it('serves 50 concurrent requests over few connections', async () => {
      const before = app.connections;
      const n = 50;
      app.app.observer.maxInFlight = 0;
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) => httpRequest({ port: haproxy.port, path: `/mpx/${i}?delay=300` })),
      );
      for (const [i, res] of results.entries()) {
        expect(res.status).toBe(200);
        expect(json(res.body).url).toBe(`/mpx/${i}?delay=300`);
      }
      const opened = app.connections - before;
      const ids = new Set(results.map((r) => json(r.body).transport.requestId));
      console.info(
        `[interop] HAProxy mpxs-conns: ${n} concurrent requests, ${opened} new connection(s) (${app.connections} in total), ` +
          `${app.app.observer.maxInFlight} in flight at once, ${ids.size} distinct request ids, ` +
          `up to ${app.wire.maxRequestsOnOneConnection} requests on one connection; records ${JSON.stringify(app.wire.records)}`,
      );
      // All 50 were in the app at the same time, and HAProxy multiplexed them.
      expect(app.app.observer.maxInFlight).toBe(n);
      expect(app.connections).toBeLessThan(n);
      expect(ids.size).toBeGreaterThan(1);
    });

    it.each(Object.entries(BODY_SIZES))('uploads and downloads a %s body intact', async (_name, size) => {
      const body = randomBody(size);
      const up = await httpRequest({ port: haproxy.port, path: '/upload', body });
      expect(up.status).toBe(200);
      expect(json(up.body).body).toEqual({ length: size, sha256: sha256(body) });
      const down = await httpRequest({ port: haproxy.port, path: `/download?size=${size}`, keepBody: false });
      expect(down.status).toBe(200);
      expect(down.length).toBe(size);
      expect(down.sha256).toBe(patternSha256(size));
    });

    // Uploads and downloads run in separate batches: mixing them trips a HAProxy 2.6 bug (see the
    // known-bugs describe at the end of this file).
    it('interleaves 8 concurrent 1 MiB downloads on shared connections', async () => {
      const size = 1024 * 1024;
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => httpRequest({ port: haproxy.port, path: `/many-down/${i}?size=${size}`, keepBody: false })),
      );
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
      for (const res of results) expect(res.sha256).toBe(patternSha256(size));
    });

    it('demultiplexes 8 concurrent 1 MiB uploads on shared connections', async () => {
      const bodies = Array.from({ length: 8 }, () => randomBody(1024 * 1024));
      const results = await Promise.all(bodies.map((body, i) => httpRequest({ port: haproxy.port, path: `/many-up/${i}`, body })));
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
      for (const [i, body] of bodies.entries()) expect(json((results[i] as HttpResponse).body).body.sha256).toBe(sha256(body));
    });

    it('passes 60 request headers including a 6 KiB cookie', async () => {
      const headers = manyHeaders(60, 6 * 1024);
      const res = await httpRequest({ port: haproxy.port, path: '/headers', headers });
      expect(res.status).toBe(200);
      const echo = json(res.body);
      for (const [name, value] of Object.entries(headers)) {
        expect(echo.headers[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`]).toBe(value);
      }
    });

    // No ?stderr=1 here: HAProxy 2.6 can crash on FastCGI STDERR (see the describe at the end).
    it('relays the status the app chose', async () => {
      const res = await httpRequest({ port: haproxy.port, path: '/teapot?status=418' });
      expect(res.status).toBe(418);
    });

    it('client disconnects mid-upload: the app sees the abort, other requests keep flowing', async () => {
      const before = app.connections;
      const abortsBefore = app.wire.count('ABORT_REQUEST');
      const { response, abort, end } = await disconnectMidUpload({ port: haproxy.port, path: '/cut-upload', observer: app.app.observer });
      expect(response.disconnected).toBe(true);
      expect(end).toBeNull();
      expect(abort?.bodyBytes).toBeGreaterThan(0);
      // HAProxy sometimes sends FCGI_ABORT_REQUEST on the shared connection and sometimes drops
      // the connection (timing); either way the app must see the abort. Which one is logged.
      const how = app.wire.count('ABORT_REQUEST') > abortsBefore ? 'FCGI_ABORT_REQUEST' : 'connection closed';
      expect((await httpRequest({ port: haproxy.port, path: '/after-cut-upload' })).status).toBe(200);
      console.info(`[interop] HAProxy mid-upload client abort delivered by ${how}; ${app.connections - before} new app connection(s) afterwards`);
    });

    it('client disconnects mid-download: the app sees the abort, other requests keep flowing', async () => {
      const before = app.connections;
      const { response, abort, end } = await disconnectMidDownload({ port: haproxy.port, path: '/cut-download', observer: app.app.observer });
      expect(response.disconnected).toBe(true);
      expect(end).toBeNull();
      expect(abort?.sentBytes).toBeGreaterThan(0);
      const next = await httpRequest({ port: haproxy.port, path: `/after-cut-download?size=${BODY_SIZES.medium}`, keepBody: false });
      expect(next.sha256).toBe(patternSha256(BODY_SIZES.medium));
      console.info(
        `[interop] HAProxy mid-download client abort: ${app.connections - before} new app connection(s) afterwards; ` +
          `records so far ${JSON.stringify(app.wire.records)}; connections closed by HAProxy without FIN: ${app.wire.peerReset}`,
      );
    });

    it('no connection-level errors from the app server with HAProxy as the peer', () => {
      expect(connectionProblems(app)).toEqual([]);
    });
  });

  describe('no option keep-conn (a connection per request)', () => {
    let app: RunningFastCgiApp;
    let haproxy: FrontEnd;

    beforeAll(async () => {
      app = await startFastCgiApp();
      haproxy = await startHaproxy({ app: app.upstream, keepConn: false, mpxsConns: false, httpReuse: 'never' });
    });

    afterAll(async () => {
      await haproxy?.stop();
      await app?.close();
    });

    it('answers sequential requests, each on its own connection', async () => {
      for (let i = 0; i < 5; i++) {
        const res = await httpRequest({ port: haproxy.port, path: `/seq/${i}` });
        expect(res.status).toBe(200);
        expect(json(res.body).transport).toMatchObject({ keepConn: false });
      }
      expect(app.connections).toBe(5);
      expect(connectionProblems(app)).toEqual([]);
    });
  });
});

// Two HAProxy 2.6.12 (Debian 12) fcgi mux bugs, both fixed upstream and reproducible here on
// demand (GW_INTEROP_HAPROXY_BUGS=1). Neither is gw's: the app's output is checked well-formed.
//
// 1. STDERR: after relaying FastCGI STDERR it segfaults (SIGSEGV in fcgi_io_cb), usually a few
//    requests later, and logs garbage. Its STDERR handler copies the record into the thread's
//    trash chunk with b_xfer(), which swaps the two buffers instead of copying when the record is
//    all the data buffered (as when the app sends STDERR in its own write). Fixed by haproxy
//    commit 665703d45 "BUG/MEDIUM: mux-fcgi: Don't swap trash and dbuf when handling STDERR records".
// 2. Uploads mixed with new requests on a multiplexed connection: a request whose PARAMS do not fit
//    in the mux output buffer (full of other requests' STDIN) fails at once with 500, state
//    "IH--", before reaching the app. Fixed by haproxy commit 57faf0971 "BUG/MEDIUM: mux-fcgi:
//    Properly handle full buffer for FCGI_PARAM record" (haproxy issue #3346).
const reproduceBugs = process.env.GW_INTEROP_HAPROXY_BUGS === '1';
describe.skipIf(skip !== '' || !reproduceBugs)('HAProxy 2.6 fcgi mux bugs [skipped unless GW_INTEROP_HAPROXY_BUGS=1]', () => {
  let app: RunningFastCgiApp;
  let haproxy: FrontEnd;

  beforeAll(async () => {
    app = await startFastCgiApp();
    haproxy = await startHaproxy({ app: app.upstream, getValues: true });
  });

  afterAll(async () => {
    await haproxy?.stop();
    await app?.close();
  });

  it('HAProxy bug: 1 MiB uploads mixed with new requests on a shared connection get 500 IH-- (PARAMS not sent)', async () => {
    const size = 1024 * 1024;
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all([
        ...Array.from({ length: 8 }, (_, i) => httpRequest({ port: haproxy.port, path: `/mix-up/${round}/${i}`, body: randomBody(size) })),
        ...Array.from({ length: 8 }, (_, i) => httpRequest({ port: haproxy.port, path: `/mix-down/${round}/${i}?size=${size}`, keepBody: false })),
      ]);
      expect(results.map((r) => r.status), `app output problems: ${JSON.stringify(connectionProblems(app))}`).toEqual(Array(16).fill(200));
    }
  });

  it('HAProxy bug: SIGSEGV after relaying FastCGI STDERR', async () => {
    for (let i = 0; i < 20 && haproxy.exitInfo() === null; i++) {
      await httpRequest({ port: haproxy.port, path: `/stderr/${i}?stderr=1` }).catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(haproxy.exitInfo(), haproxy.logs().slice(-3000)).toBeNull();
  });
});
