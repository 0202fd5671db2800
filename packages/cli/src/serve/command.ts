import cluster from 'node:cluster';
import { SERVE_HELP } from '../help.js';
import type { CliIo } from '../io.js';
import { runCgiProgram } from './cgi-program.js';
import { runClusterPrimary } from './cluster-primary.js';
import { isServeWorker, runClusterWorker } from './cluster-worker.js';
import { ServeLog } from './log.js';
import { type ParsedServeArgs, parseServeArgs, type ServeOptions } from './options.js';
import { runSingleProcess } from './single-process.js';

/**
 * Runs `gw serve` with parsed options and resolves with the exit status:
 * - `--protocol cgi`: one request (see runCgiProgram);
 * - `--workers 1` without `--max-requests`: the server in this process;
 * - otherwise a node:cluster primary with that many workers (`--max-requests` needs a process to
 *   hand over to, so it implies the cluster even with one worker).
 *
 * Callers should end the process with the status (the `gw` executable does): the application
 * may keep handles open (timers, database pools) that would otherwise keep it alive.
 */
export function runServe(options: ServeOptions, io: Pick<CliIo, 'stderr'>): Promise<number> {
  if (options.protocol === 'cgi') return runCgiProgram(options.app, io.stderr);
  const log = new ServeLog(io.stderr, options.quiet);
  if (options.workers > 1 || options.maxRequests !== undefined) return runClusterPrimary(options, log);
  return runSingleProcess(options, log);
}

/**
 * The `gw serve` command: a cluster worker forked by a `gw serve` primary runs its part (its
 * configuration comes from the primary, not from argv); otherwise the arguments are parsed and
 * the command runs. Ends the process once the server stopped (see {@link runServe}); returns
 * only for `--help` and usage errors (thrown as UsageError).
 */
export async function serveCommand(args: readonly string[], io: CliIo): Promise<number> {
  if (cluster.isWorker && isServeWorker()) exit(await runClusterWorker(io.stderr));
  const parsed: ParsedServeArgs = parseServeArgs(args);
  if (parsed.help) {
    io.stdout.write(SERVE_HELP);
    return 0;
  }
  exit(await runServe(parsed.options, io));
}

/** Ends the process; stderr writes are synchronous for files, pipes and terminals on Linux. */
function exit(code: number): never {
  process.exit(code);
}
