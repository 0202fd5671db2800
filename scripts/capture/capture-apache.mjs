#!/usr/bin/env node
// Apache httpd with mod_proxy_fcgi, mod_proxy_scgi and mod_proxy_uwsgi in front of recording back ends.

import { join } from 'node:path';
import { captureFrontEnd } from './lib/front-end.mjs';
import { debianVersion, startServer, versionLine } from './lib/processes.mjs';

const MODULES = '/usr/lib/apache2/modules';

export async function captureApache() {
  const version = /Apache\/([\d.]+)/.exec(versionLine('apache2', ['-v']))?.[1] ?? 'unknown';
  const label = `apache2-${version}`;
  await captureFrontEnd({
    label,
    script: 'scripts/capture/capture-apache.mjs',
    server: `Apache/${version} (Debian package apache2 ${debianVersion('apache2')}, libapache2-mod-proxy-uwsgi ${debianVersion('libapache2-mod-proxy-uwsgi')})`,
    routes: [
      { name: 'fastcgi', protocol: 'fastcgi', path: '/fastcgi/', title: 'mod_proxy_fcgi' },
      { name: 'scgi', protocol: 'scgi', path: '/scgi/', title: 'mod_proxy_scgi' },
      { name: 'uwsgi', protocol: 'uwsgi', path: '/uwsgi/', title: 'mod_proxy_uwsgi' },
    ],
    configure: ({ prefix, port, backends }) => ({
      configName: 'apache2.conf',
      // Only what the three proxy modules need; mod_unixd and mod_log_config are compiled in.
      configText: `ServerRoot "${prefix}"
DefaultRuntimeDir "${prefix}"
PidFile "${prefix}/apache2.pid"
ErrorLog "${prefix}/error.log"
LogLevel warn
Listen 127.0.0.1:${port}
ServerName capture.test
User www-data
Group www-data

LoadModule mpm_event_module ${MODULES}/mod_mpm_event.so
LoadModule authz_core_module ${MODULES}/mod_authz_core.so
LoadModule proxy_module ${MODULES}/mod_proxy.so
LoadModule proxy_fcgi_module ${MODULES}/mod_proxy_fcgi.so
LoadModule proxy_scgi_module ${MODULES}/mod_proxy_scgi.so
LoadModule proxy_uwsgi_module ${MODULES}/mod_proxy_uwsgi.so

StartServers 1
ServerLimit 1
ThreadsPerChild 4
MaxRequestWorkers 4

DocumentRoot "${prefix}/htdocs"
ProxyPass "/fastcgi/" "fcgi://127.0.0.1:${backends.fastcgi.address}/"
ProxyPass "/scgi/" "scgi://127.0.0.1:${backends.scgi.address}/"
ProxyPass "/uwsgi/" "uwsgi://127.0.0.1:${backends.uwsgi.address}/"
`,
    }),
    start: ({ prefix, configPath }) =>
      startServer({
        command: 'apache2',
        args: ['-d', prefix, '-f', configPath, '-DFOREGROUND'],
        logFile: join(prefix, 'stdout.log'),
        stopSignal: 'SIGTERM',
      }),
    commandFor: (configPath) => `apache2 -d $PREFIX -f ${configPath} -DFOREGROUND`,
  });
  return label;
}

if (import.meta.url === `file://${process.argv[1]}`) await captureApache();
