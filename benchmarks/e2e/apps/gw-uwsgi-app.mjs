/**
 * gw's uwsgi application server (`createServer` from @gw/uwsgi) serving the shared node:http
 * listener. Like gw-app.mjs it is not run as is: e2e/gateways.ts bundles it with esbuild from the
 * packages' TypeScript sources, so the run measures the working tree.
 *
 * GW_WORKERS=N (default 1) runs N worker processes with node:cluster and `SCHED_NONE`: the
 * primary binds the socket once and every worker accepts on that shared handle itself, as
 * uWSGI's workers do (the primary never touches a connection). Compared with uWSGI's
 * `--processes 2`, this is the like-for-like setup; the primary prints `listening` once every
 * worker listens, and on SIGTERM / SIGINT stops the workers and exits.
 */
import cluster from 'node:cluster';
import { chmodSync, rmSync } from 'node:fs';
import { createServer } from '@gw/uwsgi';
import { serve } from './lifecycle.mjs';
import { listener } from './listener.mjs';

const workers = Number(process.env.GW_WORKERS ?? 1);

function makeServer() {
  const server = createServer(listener);
  server.on('clientError', (err) => process.stderr.write(`gw uwsgi clientError: ${err.code ?? err.message}\n`));
  server.on('requestError', (err) => process.stderr.write(`gw uwsgi requestError: ${err.code ?? err.message}\n`));
  return server;
}

if (workers <= 1) {
  serve(makeServer());
} else if (cluster.isPrimary) {
  const path = process.argv[2];
  if (!path) throw new Error('usage: node <app> <unix socket path>');
  // Before the first fork: workers accept on the shared handle (the default is round-robin,
  // where the primary accepts every connection and passes it to a worker over IPC).
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  rmSync(path, { force: true });
  let listening = 0;
  cluster.on('listening', () => {
    if (++listening !== workers) return;
    chmodSync(path, 0o666);
    process.stdout.write('listening\n');
  });
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) process.stderr.write(`gw uwsgi worker ${worker.process.pid} exited (${code ?? signal})\n`);
  });
  for (let i = 0; i < workers; i++) cluster.fork({ ...process.env, GW_WORKERS: String(workers) });
  let stopping = false;
  const stop = () => {
    stopping = true;
    const all = Object.values(cluster.workers ?? {});
    let left = all.length;
    if (left === 0) process.exit(0);
    for (const worker of all) {
      worker?.once('exit', () => {
        if (--left === 0) process.exit(0);
      });
      worker?.process.kill('SIGTERM');
    }
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} else {
  // A cluster worker: listen on the primary's handle (no rmSync here: the socket file is the
  // primary's), and exit on SIGTERM.
  const server = makeServer();
  server.listen(process.argv[2]);
  process.once('SIGTERM', () => process.exit(0));
  process.once('SIGINT', () => process.exit(0));
}
