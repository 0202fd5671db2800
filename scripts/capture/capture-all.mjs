#!/usr/bin/env node
// Refreshes every capture under test-vectors/captured/ and the CLI's demo input.
// A tool for humans: CI only replays the committed files. Needs the Debian packages listed in
// scripts/capture/README.md and root (nginx/apache/php-fpm drop privileges to nobody/www-data).

import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { captureApache } from './capture-apache.mjs';
import { captureCgiFcgi } from './capture-cgi-fcgi.mjs';
import { captureLighttpd } from './capture-lighttpd.mjs';
import { captureNginx } from './capture-nginx.mjs';
import { capturePhpFpm } from './capture-php-fpm.mjs';
import { captureUwsgi } from './capture-uwsgi.mjs';
import { REPO_ROOT, VECTORS_ROOT } from './lib/save.mjs';

const steps = { nginx: captureNginx, apache: captureApache, lighttpd: captureLighttpd, 'cgi-fcgi': captureCgiFcgi, 'php-fpm': capturePhpFpm, uwsgi: captureUwsgi };
// `node capture-all.mjs nginx uwsgi` refreshes only those.
const wanted = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(steps);

for (const name of wanted) {
  const step = steps[name];
  if (!step) throw new Error(`unknown capture "${name}"; choose from ${Object.keys(steps).join(', ')}`);
  console.log(`== ${name}`);
  const label = await step();
  if (name === 'nginx') {
    // The CLI bundles one small real capture as its demo input (`gw inspect` with no file).
    const demoDir = join(REPO_ROOT, 'packages/cli/captures');
    mkdirSync(demoDir, { recursive: true });
    copyFileSync(join(VECTORS_ROOT, 'captured', label, 'fastcgi-keepconn-get.bin'), join(demoDir, 'nginx-fastcgi-get.bin'));
    console.log('copied the demo capture to packages/cli/captures/nginx-fastcgi-get.bin');
  }
}
