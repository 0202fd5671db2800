import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type CliIo, formatJson, main } from '@gw/cli';
import { fcgiPair, fcgiRecord } from '@gw/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { beginBody, streamOf } from './helpers.js';

/** Runs `gw` in-process with captured output. */
async function run(argv: string[], io: Partial<CliIo> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from([]),
    version: '9.8.7',
    ...io,
  });
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'gw-cli-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const request = Buffer.concat([
  fcgiRecord(1, 1, beginBody(1, 0)),
  fcgiRecord(4, 1, fcgiPair('REQUEST_METHOD', 'GET')),
  fcgiRecord(4, 1),
  fcgiRecord(5, 1),
]);

describe('gw inspect', () => {
  it('prints one 2-space-indented JSON object and exits 0 for a clean capture', async () => {
    const r = await run(['inspect', '--protocol', 'fastcgi', '--direction', 'to-app', file('ok.bin', request)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const json = JSON.parse(r.stdout);
    expect(r.stdout).toBe(`${formatJson(json)}\n`);
    expect(r.stdout).toContain('\n  "records": [\n    { "type": 1, "typeName": "BEGIN_REQUEST", "requestId": 1, "contentLength": 8, "paddingLength": 0 },\n');
    expect(r.stdout).toContain('\n        ["REQUEST_METHOD", "GET"]\n');
    expect(json.requests[0].params).toEqual([['REQUEST_METHOD', 'GET']]);
    expect(json.requests[0].stdin).toEqual(streamOf('', true));
  });

  it('decodes a file larger than one 64 KiB read chunk', async () => {
    const big = Buffer.alloc(200_000, 0x61);
    const records: Buffer[] = [fcgiRecord(1, 1, beginBody(1, 0))];
    for (let at = 0; at < big.length; at += 65535) records.push(fcgiRecord(5, 1, big.subarray(at, at + 65535)));
    records.push(fcgiRecord(5, 1));
    const r = await run(['inspect', '-p', 'fastcgi', '-d', 'to-app', file('big.bin', Buffer.concat(records))]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).requests[0].stdin).toEqual(streamOf(big, true));
  });

  it('exits 1 on malformed input and still prints what decoded, with the error', async () => {
    const bad = Buffer.concat([request, Buffer.from([9, 9, 9, 9, 9, 9, 9, 9])]);
    const r = await run(['inspect', '--protocol=fastcgi', '--direction=to-app', file('bad.bin', bad)]);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.error).toMatchObject({ code: 'FCGI_ERR_UNSUPPORTED_VERSION', offset: request.length });
    expect(json.records).toHaveLength(4);
    expect(json.trailingBytes).toBe(8);
  });

  it('reads stdin for "-"', async () => {
    const scgi = Buffer.from('24:CONTENT_LENGTH\u00002\u0000SCGI\u00001\u0000,hi', 'latin1');
    const r = await run(['inspect', '-p', 'scgi', '-d', 'to-app', '-'], { stdin: Readable.from([scgi.subarray(0, 5), scgi.subarray(5)]) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      protocol: 'scgi',
      headers: [
        ['CONTENT_LENGTH', '2'],
        ['SCGI', '1'],
      ],
      body: streamOf('hi', true),
      error: null,
    });
  });

  it('passes --strict to the SCGI decoder', async () => {
    const noMarker = Buffer.from('17:CONTENT_LENGTH\u00000\u0000,', 'latin1');
    const lenient = await run(['inspect', '-p', 'scgi', '-d', 'to-app', file('nomarker.bin', noMarker)]);
    expect(lenient.code).toBe(0);
    const strict = await run(['inspect', '-p', 'scgi', '-d', 'to-app', '--strict', file('nomarker.bin', noMarker)]);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.stdout).error.code).toBe('SCGI_ERR_MISSING_SCGI');
  });

  it('decodes a to-server response', async () => {
    const r = await run(['inspect', '-p', 'uwsgi', '-d', 'to-server', file('reply.bin', Buffer.from('HTTP/1.0 204 No Content\r\n\r\n'))]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).response).toEqual({ status: 204, headers: [], body: streamOf('', true) });
  });

  it('notes FastCGI records of the other direction on stderr, keeping stdout pure JSON', async () => {
    const reply = Buffer.concat([fcgiRecord(6, 1, 'Status: 200\r\n\r\n'), fcgiRecord(6, 1)]);
    const r = await run(['inspect', '-p', 'fastcgi', '-d', 'to-app', file('reply-fcgi.bin', reply)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('STDOUT');
    expect(JSON.parse(r.stdout).requests[0].stdout).toEqual(streamOf('Status: 200\r\n\r\n', true));
  });

  it('notes bytes after an SCGI request body on stderr', async () => {
    const r = await run(['inspect', '-p', 'scgi', '-d', 'to-app', file('extra.bin', Buffer.from('17:CONTENT_LENGTH\u00000\u0000,GET / HTTP/1.1', 'latin1'))]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('14 bytes');
  });

  it('decodes the bundled capture with --demo', async () => {
    const r = await run(['inspect', '--demo'], { demoCapture: file('demo.bin', request) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).protocol).toBe('fastcgi');
  });
});

describe('usage errors exit 2 with a message and the usage on stderr', () => {
  const cases: [string, string[]][] = [
    ['no command', []],
    ['unknown command', ['frobnicate']],
    ['unknown flag', ['inspect', '--nope', '-p', 'fastcgi', '-d', 'to-app', 'x']],
    ['missing --protocol', ['inspect', '-d', 'to-app', 'x']],
    ['missing --direction', ['inspect', '-p', 'fastcgi', 'x']],
    ['bad protocol', ['inspect', '-p', 'http', '-d', 'to-app', 'x']],
    ['bad direction', ['inspect', '-p', 'scgi', '-d', 'sideways', 'x']],
    ['flag without value', ['inspect', '-d', 'to-app', 'x', '--protocol']],
    ['missing FILE', ['inspect', '-p', 'scgi', '-d', 'to-app']],
    ['two FILEs', ['inspect', '-p', 'scgi', '-d', 'to-app', 'a', 'b']],
    ['--strict outside scgi to-app', ['inspect', '-p', 'uwsgi', '-d', 'to-app', '--strict', 'x']],
    ['--demo with a FILE', ['inspect', '--demo', 'x']],
    ['help for an unknown command', ['help', 'frobnicate']],
  ];
  for (const [name, argv] of cases) {
    it(name, async () => {
      const r = await run(argv, { demoCapture: join(dir, 'demo.bin') });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^gw[ :]/);
      expect(r.stderr).toContain('Usage: gw');
    });
  }

  it('a file that does not exist', async () => {
    const r = await run(['inspect', '-p', 'fastcgi', '-d', 'to-app', join(dir, 'missing.bin')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('missing.bin');
  });

  it('a directory instead of a file', async () => {
    const r = await run(['inspect', '-p', 'fastcgi', '-d', 'to-app', dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});

describe('help and version', () => {
  it('gw --help and gw help print the command list with examples', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('inspect');
      expect(r.stdout).toContain('Examples:');
    }
  });

  it('gw inspect --help and gw help inspect print the inspect usage', async () => {
    for (const argv of [['inspect', '--help'], ['help', 'inspect'], ['inspect', '-p', 'scgi', '--help']]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('--direction');
      expect(r.stdout).toContain('gw inspect --demo');
    }
  });

  it('gw --version prints the version it was given', async () => {
    const r = await run(['--version']);
    expect(r).toEqual({ code: 0, stdout: '9.8.7\n', stderr: '' });
  });
});
