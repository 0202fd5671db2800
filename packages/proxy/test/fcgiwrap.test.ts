import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createClient } from '@gw/fastcgi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from './support/bodies.js';
import { type ManagedProcess, startProcess, waitForListener } from './support/managed-process.js';
import { makeTempPrefix } from './support/temp-prefix.js';

// fcgiwrap (Debian package) runs plain CGI scripts behind FastCGI: the client speaks to it like to
// any FastCGI app, SCRIPT_FILENAME names the script, the script's stdout is the CGI response and,
// with -f, its stderr comes back as FastCGI STDERR.
const missing = spawnSync('sh', ['-c', 'command -v fcgiwrap']).status !== 0;

const SCRIPT = `#!/bin/sh
echo "script error line" >&2
body=$(cat)
printf 'Status: 201 Created\\r\\n'
printf 'Content-Type: text/plain\\r\\n'
printf 'X-Method: %s\\r\\n' "$REQUEST_METHOD"
printf '\\r\\n'
printf 'query=%s body=%s len=%s' "$QUERY_STRING" "$body" "$CONTENT_LENGTH"
`;

describe.skipIf(missing)('FastCGI client → fcgiwrap running a CGI script (skipped only if fcgiwrap is not installed)', () => {
  const prefix = makeTempPrefix('fcgiwrap');
  const socket = join(prefix.dir, 'fcgiwrap.sock');
  const script = join(prefix.dir, 'hello.cgi');
  let proc: ManagedProcess;

  beforeAll(async () => {
    writeFileSync(script, SCRIPT);
    chmodSync(script, 0o755);
    proc = startProcess('fcgiwrap', ['-f', '-s', `unix:${socket}`], join(prefix.dir, 'fcgiwrap.log'), 'SIGTERM');
    await waitForListener({ path: socket }, proc);
  });

  afterAll(async () => {
    await proc?.stop();
    prefix.remove();
  });

  it('runs the script with the CGI params and body, returning its status, headers, body and stderr', async () => {
    const client = createClient({ path: socket, probe: false, multiplex: false });
    try {
      const stderrLines: string[] = [];
      const res = await client.request({
        params: { SCRIPT_FILENAME: script, SCRIPT_NAME: '/hello.cgi', REQUEST_METHOD: 'POST', QUERY_STRING: 'a=1', GATEWAY_INTERFACE: 'CGI/1.1' },
        body: Buffer.from('payload'),
      });
      res.stderr.on('data', (c: Buffer) => stderrLines.push(c.toString()));
      const body = (await collect(res.body)).toString();
      await res.ended;
      expect(res.status).toBe(201);
      expect(res.headers).toContainEqual(['X-Method', 'POST']);
      expect(body).toBe('query=a=1 body=payload len=7');
      expect(stderrLines.join('')).toContain('script error line');
    } finally {
      await client.close();
    }
  });
});
