import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { CLEAN_ENV, type ManagedProcess, startProcess, waitForListener } from './process.js';
import type { TempPrefix } from './temp-prefix.js';

/** The built CLI (`pnpm --filter "@gw/cli..." run build`). */
export const GW_BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

/** Why `gw serve` cannot be run here ('' when the built CLI exists), for test names. */
export function missingGwBin(): string {
  return existsSync(GW_BIN) ? '' : ` [skipped: ${GW_BIN} not built — pnpm --filter "@gw/cli..." run build]`;
}

/** Options of `startGwServe`. */
export interface GwServeOptions {
  /** The application module (absolute path). */
  app: string;
  /** Default 'fastcgi'. */
  protocol?: 'fastcgi' | 'scgi' | 'uwsgi';
  /** Temp prefix that receives the log file `gw-serve-<label>.log`. */
  prefix: TempPrefix;
  /** Names the log file and error messages. */
  label: string;
  /** Extra command-line flags, e.g. ['--workers', '2']. */
  flags?: readonly string[];
}

/** A `gw serve` child process listening on a 127.0.0.1 port. */
export interface GwServeInstance {
  readonly label: string;
  readonly port: number;
  /** Its pid: without --workers, the process that runs the application. */
  readonly pid: number;
  readonly process: ManagedProcess;
}

/**
 * Starts `node packages/cli/dist/bin.js serve APP --protocol P --listen 127.0.0.1:PORT --quiet`
 * in the foreground (its own process group, stopped by PID with SIGTERM, the graceful drain) and
 * waits until the port accepts connections.
 */
export async function startGwServe(options: GwServeOptions): Promise<GwServeInstance> {
  const port = await freePort();
  const proc = startProcess({
    name: `gw serve (${options.label})`,
    command: process.execPath,
    args: [GW_BIN, 'serve', options.app, '--protocol', options.protocol ?? 'fastcgi', '--listen', `127.0.0.1:${port}`, '--quiet', ...(options.flags ?? [])],
    cwd: options.prefix.path,
    env: { ...CLEAN_ENV },
    logFile: options.prefix.file(`gw-serve-${options.label}.log`),
    graceMs: 3000,
  });
  try {
    await waitForListener(port, { process: proc });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { label: options.label, port, pid: proc.pid, process: proc };
}
