// The HTTP side of a capture: curl on loopback sends one GET and one POST through the front end.
// The requests are fixed so captures from different servers can be compared field by field.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { versionLine } from './processes.mjs';

const run = promisify(execFile);

/**
 * The POST body: 10 000 bytes of form data, big enough that front ends which cap STDIN records
 * at 8 KiB (Apache, cgi-fcgi) split it, small enough to keep the committed captures modest.
 */
export function postBody() {
  const filler = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(300);
  return Buffer.from(`a=1&b=${filler}`.slice(0, 10000), 'latin1');
}

/** The two requests every front end is driven with. */
export const REQUESTS = {
  get: { method: 'GET', path: 'hello?x=1&y=%C3%A9' },
  post: { method: 'POST', path: 'form?mode=post' },
};

/** curl's version line, for provenance. */
export const curlVersion = () => versionLine('curl', ['--version']).split(' ').slice(0, 2).join(' ');

/**
 * Sends one request with curl and returns `{ status, body, args }`. `Expect:` is blanked so curl
 * does not add `Expect: 100-continue` for the POST, and the user agent is fixed.
 */
export async function curlRequest(baseUrl, kind, workDir) {
  const { method, path } = REQUESTS[kind];
  const args = ['-sS', '--max-time', '15', '-A', 'gw-capture/1', '-H', 'X-Gw-Capture: 1', '-H', 'Expect:', '-o', '-', '-w', '\n%{http_code}'];
  if (method === 'POST') {
    const file = join(workDir, 'post-body.txt');
    writeFileSync(file, postBody());
    args.push('-H', 'Content-Type: application/x-www-form-urlencoded', '--data-binary', `@${file}`);
  }
  args.push(`${baseUrl}${path}`);
  const { stdout } = await run('curl', args, { encoding: 'latin1', maxBuffer: 1 << 20 });
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut), args: ['curl', ...args] };
}

/** The curl command of a capture as one shell-readable line (temp paths scrubbed by the caller). */
export function commandLine(args) {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
