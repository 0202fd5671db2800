import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fcgiRecord } from '@gw/test-utils';
import { describe, expect, it } from 'vitest';
import { useGwBin } from './serve-helpers.js';

// Runs the real executable in a child process: shebang, argv handling, exit codes, stdin, and
// the paths bin.ts resolves (package.json for --version, the bundled capture for --demo).
// src/bin.ts is bundled with its workspace imports inlined, so this needs no prior `pnpm build`
// of any package. The bundle goes one directory below the package root, like dist/bin.js, so
// bin.ts finds ../package.json and ../captures exactly as it does when installed. `.tmp/` is
// git-ignored.
const packageRoot = fileURLToPath(new URL('../', import.meta.url));
// The same shared bundle the serve tests use (built once per source hash, see serve-helpers.ts).
const gwBin = useGwBin();

function gw(args: string[], input?: Buffer) {
  const r = spawnSync(process.execPath, [gwBin.path, ...args], { input, encoding: 'latin1', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the gw executable', () => {
  it('starts with a shebang and inlines the workspace sources', () => {
    const text = readFileSync(gwBin.path, 'utf8');
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(text).not.toMatch(/from ["']@gw\//);
    expect(text).toMatch(/^\/\/ .*core\/src\//m); // esbuild's path comments: sources, not dist
  });

  it('prints the package version', () => {
    const { version } = JSON.parse(readFileSync(`${packageRoot}package.json`, 'utf8')) as { version: string };
    expect(gw(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('decodes the bundled nginx capture with --demo', () => {
    const r = gw(['inspect', '--demo']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.protocol).toBe('fastcgi');
    expect(json.error).toBeNull();
    expect(json.requests[0].role).toBe('RESPONDER');
  });

  it('reads stdin and exits 1 with the partial JSON on malformed input', () => {
    const truncated = fcgiRecord(5, 1, 'abcdef').subarray(0, 11);
    const r = gw(['inspect', '-p', 'fastcgi', '-d', 'to-app', '-'], truncated);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.error).toMatchObject({ code: 'FCGI_ERR_TRUNCATED_RECORD', offset: 11 });
    expect(json.trailingBytes).toBe(11);
  });

  it('exits 2 with the usage on stderr for a bad flag', () => {
    const r = gw(['inspect', '--protocol', 'gopher']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: gw inspect');
  });
});
