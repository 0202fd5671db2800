import { type ManagedProcess, startProcess, waitForListener, waitForLog } from './process.js';
import type { TempPrefix } from './temp-prefix.js';
import type { Upstream } from './upstream.js';

/** Options of `startSpawnFcgi`. */
export interface SpawnFcgiOptions {
  /** Directory for the log file (and the socket, if `listen` names one there). */
  prefix: TempPrefix;
  /** A unix socket (with its file mode, default 0o666) or a 127.0.0.1 TCP port. */
  listen: { socket: string; mode?: number } | { port: number };
  /** The FastCGI application and its arguments (run after `--`). */
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Wait until the application's output matches this, e.g. its "listening" line. Default: until the socket accepts. */
  readyLog?: RegExp;
}

/** An application started by spawn-fcgi. */
export interface SpawnedApp {
  /** PID of the application: with `-n` spawn-fcgi execs it, so this is the app itself. */
  readonly pid: number;
  readonly upstream: Upstream;
  readonly process: ManagedProcess;
  /** The application's stdout and stderr. */
  logs(): string;
  /** SIGTERM to the app by PID, SIGKILL after 5 s. */
  stop(): ReturnType<ManagedProcess['stop']>;
}

/**
 * `spawn-fcgi -n -s SOCK -M MODE -- command args` (or `-a 127.0.0.1 -p PORT`): spawn-fcgi binds
 * the socket and execs the application with the listening socket as file descriptor 0, how
 * FastCGI applications were traditionally started (spec §2.2: FCGI_LISTENSOCK_FILENO = 0).
 */
export async function startSpawnFcgi(options: SpawnFcgiOptions): Promise<SpawnedApp> {
  const listen = options.listen;
  const where =
    'socket' in listen ? ['-s', listen.socket, '-M', (listen.mode ?? 0o666).toString(8)] : ['-a', '127.0.0.1', '-p', String(listen.port)];
  const proc = startProcess({
    name: 'spawn-fcgi',
    command: 'spawn-fcgi',
    args: ['-n', ...where, '--', options.command, ...options.args],
    env: options.env,
    logFile: options.prefix.file('spawn-fcgi.log'),
    stopSignal: 'SIGTERM',
  });
  const upstream: Upstream = 'socket' in listen ? { socket: listen.socket } : { host: '127.0.0.1', port: listen.port };
  try {
    // The socket accepts as soon as spawn-fcgi has bound it, before the app runs: prefer a log line.
    if (options.readyLog) await waitForLog(proc, options.readyLog, { timeoutMs: 15_000 });
    else await waitForListener('socket' in listen ? listen.socket : listen.port, { process: proc });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { pid: proc.pid, upstream, process: proc, logs: () => proc.logs(), stop: () => proc.stop() };
}
