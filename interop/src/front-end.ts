import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { type ExitInfo, type ManagedProcess, type ProcessSpec, startProcess, waitForListener } from './process.js';
import { makeTempPrefix, type TempPrefix } from './temp-prefix.js';

/** A running web server in front of the application under test. */
export interface FrontEnd {
  /** e.g. "nginx". */
  readonly name: string;
  /** Its HTTP port on 127.0.0.1. */
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** PID of the server's main process (stopped by this PID). */
  readonly pid: number;
  /** The temp prefix holding its config, logs and temp files. */
  readonly prefix: TempPrefix;
  /** The contents of every `*.log` file in the prefix, each under a `--- name` line. */
  logs(): string;
  /** How the server exited, or null while it runs (a crash shows up here). */
  exitInfo(): ExitInfo | null;
  /** Stops the server by PID (graceful signal, then SIGKILL) and removes its prefix. */
  stop(): Promise<void>;
}

/** What a front-end module hands to `launchFrontEnd`. */
export interface FrontEndLaunch {
  name: string;
  /** Writes the config files into the prefix and returns the command to start (logFile is set here). */
  prepare(prefix: TempPrefix, port: number): Omit<ProcessSpec, 'logFile' | 'name'>;
  /** Time to wait for the port, ms. Default 10000. */
  startTimeoutMs?: number;
}

/**
 * Makes a temp prefix, picks a free port, writes the config, starts the server in the
 * foreground and waits until its port accepts connections. On failure the server is stopped,
 * and the error carries the logs.
 */
export async function launchFrontEnd(launch: FrontEndLaunch): Promise<FrontEnd> {
  const prefix = makeTempPrefix(launch.name);
  const port = await freePort();
  let proc: ManagedProcess | undefined;
  const logs = () => collectLogs(prefix);
  try {
    const spec = launch.prepare(prefix, port);
    proc = startProcess({ ...spec, name: launch.name, logFile: prefix.file('stdout.log') });
    await waitForListener(port, { process: proc, timeoutMs: launch.startTimeoutMs });
  } catch (err) {
    await proc?.stop();
    const text = logs();
    prefix.remove();
    throw new Error(`${launch.name} did not start: ${(err as Error).message}\n${text}`);
  }
  const started = proc;
  return {
    name: launch.name,
    port,
    url: `http://127.0.0.1:${port}`,
    pid: started.pid,
    prefix,
    logs,
    exitInfo: () => started.exitInfo,
    stop: async () => {
      await started.stop();
      prefix.remove();
    },
  };
}

function collectLogs(prefix: TempPrefix): string {
  let out = '';
  let names: string[];
  try {
    names = readdirSync(prefix.path).filter((f) => f.endsWith('.log')).sort();
  } catch {
    return out; // prefix already removed
  }
  for (const name of names) out += `--- ${name}\n${readFileSync(join(prefix.path, name), 'latin1')}`;
  return out;
}
