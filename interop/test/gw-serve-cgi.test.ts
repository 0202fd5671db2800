import { chmodSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingReason } from '../src/binaries.js';
import type { FrontEnd } from '../src/front-end.js';
import { GW_BIN, missingGwBin } from '../src/gw-serve.js';
import { httpRequest } from '../src/http-client.js';
import { startLighttpd } from '../src/lighttpd.js';

// The same Node app run as a plain CGI program under lighttpd's mod_cgi: one `gw serve --protocol
// cgi` process per request, the request in the environment and on stdin, the response on stdout.
const skip = missingReason('lighttpd') || missingGwBin();
const APP = fileURLToPath(new URL('../apps/cgi-echo.mjs', import.meta.url));

describe.skipIf(skip !== '')(`gw serve --protocol cgi under lighttpd mod_cgi${skip}`, () => {
  let lighttpd: FrontEnd;

  beforeAll(async () => {
    lighttpd = await startLighttpd({
      backends: [],
      config: (prefix) => {
        const script = prefix.file('htdocs/app.cgi');
        writeFileSync(script, `#!/bin/sh\nexec "${process.execPath}" "${GW_BIN}" serve --protocol cgi "${APP}"\n`);
        chmodSync(script, 0o755);
        return 'server.modules += ( "mod_cgi" )\ncgi.assign = ( ".cgi" => "" )';
      },
    });
  }, 60_000);

  afterAll(async () => {
    await lighttpd?.stop();
  });

  it('answers GET and POST through the CGI program, status and headers included', async () => {
    const get = await httpRequest({ port: lighttpd.port, path: '/app.cgi?x=1' });
    expect(get.status).toBe(202);
    expect(get.headers['x-served-by']).toBe('gw-cgi');
    expect(get.body.toString()).toBe('GET /app.cgi?x=1 ');
    const post = await httpRequest({ port: lighttpd.port, path: '/app.cgi', body: Buffer.from('form=data') });
    expect(post.status).toBe(202);
    expect(post.body.toString()).toBe('POST /app.cgi form=data');
  });
});
