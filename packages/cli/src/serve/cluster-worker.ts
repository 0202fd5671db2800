import { Socket } from 'node:net';
import { type AppServer, startAppServer } from './app-server.js';
import { isGwMessage, type PrimaryMessage, type WorkerConfig, type WorkerMessage, WORKER_CONFIG_ENV } from './cluster-messages.js';
import { EXIT_SERVE_ERROR, ServeError } from './errors.js';
import { ServeLog } from './log.js';

/** True in a worker process the serve primary forked. */
export function isServeWorker(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[WORKER_CONFIG_ENV] !== undefined && typeof process.send === 'function';
}

/**
 * The life of one cluster worker: load the application into the protocol's server (which does
 * not listen: the primary accepts and hands each connection over IPC), report 'ready', serve,
 * and drain on the primary's 'shutdown' — or on SIGTERM/SIGINT sent to the whole process group
 * (systemd's default KillMode, Ctrl-C in a terminal), or when the primary vanishes (IPC
 * disconnect). A connection handed over while draining is refused, and the primary gives it to
 * another worker.
 *
 * Resolves with the exit status: 0 after a drain, 2 when the worker could not start (reported to
 * the primary as 'fatal', which prints it once for all workers).
 */
export async function runClusterWorker(stderr: { write(text: string): unknown }): Promise<number> {
  const config = JSON.parse(process.env[WORKER_CONFIG_ENV] as string) as WorkerConfig;
  delete process.env[WORKER_CONFIG_ENV];
  const log = new ServeLog(stderr, config.quiet);
  const send = (message: WorkerMessage) => {
    if (process.connected) process.send?.(message);
  };
  let served = 0;
  let retiring = false;
  const onRequest =
    config.maxRequests === undefined
      ? undefined
      : () => {
          served++;
          if (!retiring && served >= (config.maxRequests as number)) {
            retiring = true;
            send({ gw: 'retire', requests: served });
          }
        };

  let server: AppServer;
  try {
    server = await startAppServer({ app: config.app, protocol: config.protocol, target: undefined, server: config.server, log, onRequest });
  } catch (err) {
    if (!(err instanceof ServeError)) throw err;
    send({ gw: 'fatal', code: err.code, message: err.message });
    return EXIT_SERVE_ERROR;
  }

  return new Promise((resolve) => {
    let draining = false;
    const drain = (tellPrimary: boolean) => {
      if (draining) return;
      draining = true;
      if (tellPrimary) send({ gw: 'draining' });
      void server.drain(config.shutdownTimeout).then(({ aborted }) => {
        if (aborted > 0) log.info(`closed ${aborted} connection(s) still open after ${config.shutdownTimeout} ms`);
        resolve(0);
      });
    };
    process.on('message', (message: unknown, handle: unknown) => {
      if (!isGwMessage(message)) return;
      const command = message as PrimaryMessage;
      if (command.gw === 'shutdown') drain(false);
      else if (command.gw === 'connection') {
        const accepted = !draining && handle instanceof Socket;
        send({ gw: 'accepted', id: command.id, accepted });
        // Refused: only this process's descriptor closes; the primary still holds the connection.
        if (accepted) server.accept(handle);
        else (handle as Socket | undefined)?.destroy();
      }
    });
    process.on('SIGTERM', () => drain(true));
    process.on('SIGINT', () => drain(true));
    // The primary handles reloads; a terminal hangup reaching the group must not kill workers.
    process.on('SIGHUP', () => {});
    process.on('disconnect', () => drain(false));
    send({ gw: 'ready', kind: server.kind });
  });
}
