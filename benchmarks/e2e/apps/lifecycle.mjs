/**
 * What every benchmark app does around its server: listen on the unix socket path given as
 * argv[2], make it connectable by nginx's worker (which runs as `nobody` when nginx starts as
 * root), print `listening` once so the harness knows it may start, and exit cleanly on SIGTERM /
 * SIGINT — a clean exit is what makes `node --cpu-prof` write its profile. On that exit it prints
 * `connections N`: how many connections it accepted in its life (nginx opens a new upstream
 * connection whenever its keepalive pool is short, which costs the app a socket setup).
 *
 * With an IPC channel (the memory scenarios), a `{ cmd: 'memory' }` message is answered with
 * `{ memory: process.memoryUsage(), connections }`, taken after a full GC when node runs with
 * --expose-gc.
 */
import { chmodSync, rmSync } from 'node:fs';

/** @param {import('node:net').Server} server */
export function serve(server) {
  const path = process.argv[2];
  if (!path) throw new Error('usage: node <app> <unix socket path>');
  rmSync(path, { force: true });
  let accepted = 0;
  server.on('connection', () => accepted++);
  server.listen(path, () => {
    chmodSync(path, 0o666);
    process.stdout.write('listening\n');
  });
  const stop = () => {
    server.close();
    process.stdout.write(`connections ${accepted}\n`);
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (process.send) answerMemoryRequests(server);
}

/** @param {import('node:net').Server} server */
function answerMemoryRequests(server) {
  process.on('message', (msg) => {
    if (msg?.cmd !== 'memory') return;
    globalThis.gc?.();
    const memory = process.memoryUsage();
    server.getConnections((_err, connections) => process.send?.({ memory, connections }));
  });
  // The IPC channel must not keep the process alive on its own.
  process.channel?.unref();
}
