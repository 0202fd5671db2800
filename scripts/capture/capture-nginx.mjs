#!/usr/bin/env node
// nginx as a FastCGI (keep_conn off and on), SCGI and uwsgi client, in front of recording back ends.
// Run as a script or import `captureNginx` (capture-all.mjs does).

import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureFrontEnd } from './lib/front-end.mjs';
import { debianVersion, startServer, versionLine } from './lib/processes.mjs';
import { captureDir } from './lib/save.mjs';

export async function captureNginx() {
  const version = versionLine('nginx', ['-v']).replace(/^nginx version: nginx\//, '');
  const label = `nginx-${version}`;
  await captureFrontEnd({
    label,
    script: 'scripts/capture/capture-nginx.mjs',
    server: `nginx/${version} (Debian package nginx ${debianVersion('nginx')}); params files from Debian's /etc/nginx`,
    routes: [
      { name: 'fastcgi', protocol: 'fastcgi', path: '/fastcgi/', title: 'fastcgi_pass (fastcgi_keep_conn off)' },
      { name: 'fastcgi-keepconn', protocol: 'fastcgi', path: '/fastcgi-keepconn/', title: 'fastcgi_pass (fastcgi_keep_conn on)' },
      { name: 'scgi', protocol: 'scgi', path: '/scgi/', title: 'scgi_pass' },
      { name: 'uwsgi', protocol: 'uwsgi', path: '/uwsgi/', title: 'uwsgi_pass' },
    ],
    configure: ({ prefix, port, backends }) => ({
      configName: 'nginx.conf',
      // Every *_temp_path is overridden: Debian's compiled-in ones are in a root-owned directory.
      configText: `worker_processes 1;
pid ${prefix}/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path ${prefix}/client_body_temp;
    proxy_temp_path ${prefix}/proxy_temp;
    fastcgi_temp_path ${prefix}/fastcgi_temp;
    uwsgi_temp_path ${prefix}/uwsgi_temp;
    scgi_temp_path ${prefix}/scgi_temp;

    upstream fastcgi_keepconn {
        server 127.0.0.1:${backends['fastcgi-keepconn'].address};
        keepalive 2;
    }

    server {
        listen 127.0.0.1:${port};
        server_name capture.test;
        root ${prefix}/htdocs;

        location /fastcgi/ {
            include /etc/nginx/fastcgi.conf;
            fastcgi_pass 127.0.0.1:${backends.fastcgi.address};
        }
        location /fastcgi-keepconn/ {
            include /etc/nginx/fastcgi.conf;
            fastcgi_keep_conn on;
            fastcgi_pass fastcgi_keepconn;
        }
        location /scgi/ {
            include /etc/nginx/scgi_params;
            scgi_pass 127.0.0.1:${backends.scgi.address};
        }
        location /uwsgi/ {
            include /etc/nginx/uwsgi_params;
            uwsgi_pass 127.0.0.1:${backends.uwsgi.address};
        }
    }
}
`,
    }),
    start: ({ prefix, configPath }) =>
      startServer({
        command: 'nginx',
        args: ['-p', `${prefix}/`, '-c', configPath, '-e', `${prefix}/error.log`, '-g', 'daemon off;'],
        logFile: join(prefix, 'stdout.log'),
        stopSignal: 'SIGQUIT',
      }),
    commandFor: (configPath) => `nginx -p $PREFIX/ -c ${configPath} -e $PREFIX/error.log -g 'daemon off;'`,
  });
  // The params files nginx included, for provenance.
  const dir = captureDir(label);
  for (const file of ['fastcgi.conf', 'scgi_params', 'uwsgi_params']) copyFileSync(join('/etc/nginx', file), join(dir, `etc-nginx-${file}`));
  return label;
}

if (import.meta.url === `file://${process.argv[1]}`) await captureNginx();
