#!/usr/bin/env node
// lighttpd with mod_fastcgi and mod_scgi (scgi.protocol "scgi" and "uwsgi") in front of recording back ends.

import { join } from 'node:path';
import { captureFrontEnd } from './lib/front-end.mjs';
import { debianVersion, startServer, versionLine } from './lib/processes.mjs';

export async function captureLighttpd() {
  const version = /lighttpd\/([\d.]+)/.exec(versionLine('lighttpd', ['-v']))?.[1] ?? 'unknown';
  const label = `lighttpd-${version}`;
  await captureFrontEnd({
    label,
    script: 'scripts/capture/capture-lighttpd.mjs',
    server: `lighttpd/${version} (Debian package lighttpd ${debianVersion('lighttpd')})`,
    routes: [
      { name: 'fastcgi', protocol: 'fastcgi', path: '/fastcgi/', title: 'mod_fastcgi' },
      { name: 'scgi', protocol: 'scgi', path: '/scgi/', title: 'mod_scgi (scgi.protocol "scgi")' },
      { name: 'uwsgi', protocol: 'uwsgi', path: '/uwsgi/', title: 'mod_scgi (scgi.protocol "uwsgi")' },
    ],
    configure: ({ prefix, port, backends }) => ({
      configName: 'lighttpd.conf',
      // "check-local" => "disable": forward every URL under the prefix without looking for a file.
      // scgi.protocol is chosen per URL prefix in a conditional block.
      configText: `server.document-root = "${prefix}/htdocs"
server.bind = "127.0.0.1"
server.port = ${port}
server.errorlog = "${prefix}/error.log"
server.modules += ( "mod_fastcgi", "mod_scgi" )

fastcgi.server = ( "/fastcgi/" => ( ( "host" => "127.0.0.1", "port" => ${backends.fastcgi.address}, "check-local" => "disable" ) ) )

$HTTP["url"] =^ "/scgi/" {
    scgi.protocol = "scgi"
    scgi.server = ( "/scgi/" => ( ( "host" => "127.0.0.1", "port" => ${backends.scgi.address}, "check-local" => "disable" ) ) )
}
$HTTP["url"] =^ "/uwsgi/" {
    scgi.protocol = "uwsgi"
    scgi.server = ( "/uwsgi/" => ( ( "host" => "127.0.0.1", "port" => ${backends.uwsgi.address}, "check-local" => "disable" ) ) )
}
`,
    }),
    start: ({ prefix, configPath }) =>
      startServer({
        command: 'lighttpd',
        args: ['-D', '-f', configPath],
        logFile: join(prefix, 'stdout.log'),
        stopSignal: 'SIGTERM',
      }),
    commandFor: (configPath) => `lighttpd -D -f ${configPath}`,
  });
  return label;
}

if (import.meta.url === `file://${process.argv[1]}`) await captureLighttpd();
