#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { main } from './main.js';

// Paths are relative to this file, which is dist/bin.js when installed and src/bin.ts in the
// repository; both sit one level below the package root.
const packageRoot = new URL('../', import.meta.url);
const { version } = JSON.parse(readFileSync(new URL('package.json', packageRoot), 'utf8')) as { version: string };
const demoCapture = fileURLToPath(new URL('captures/nginx-fastcgi-get.bin', packageRoot));

// `gw inspect … | head` closes the pipe early: stop quietly, as other Unix tools do, instead of
// dying with an unhandled EPIPE stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit();
});

// exitCode, not process.exit(): a large JSON result must finish flushing to a pipe first.
process.exitCode = await main(process.argv.slice(2), { version, demoCapture });
