import { type FlagSpec, parseFlags, UsageError } from './args.js';
import { GW_HELP, INSPECT_HELP, PROXY_HELP, SERVE_HELP } from './help.js';
import { parseInspectArgs, runInspect } from './inspect/command.js';
import type { CliIo } from './io.js';
import { proxyCommand } from './proxy/command.js';
import { serveCommand } from './serve/command.js';

/** Exit status for a failure that is gw's fault, not the input's or the user's (BSD EX_SOFTWARE). */
export const EXIT_INTERNAL = 70;
/** Exit status for a command-line mistake. */
export const EXIT_USAGE = 2;

const TOP_FLAGS: FlagSpec = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
};

/** Help text per subcommand, for `gw help <command>` and usage errors. */
const COMMAND_HELP: Readonly<Record<string, string>> = { inspect: INSPECT_HELP, serve: SERVE_HELP, proxy: PROXY_HELP };

/**
 * Runs the `gw` command line and returns the exit status. It never calls `process.exit`, so tests
 * can run it in-process and the bin can let stdout drain — except `gw serve` once its server
 * has started: a served application may hold handles (timers, pools) that would keep the process
 * alive after the server stopped, so serve ends the process itself (help and usage errors still
 * return).
 *
 * Statuses: 0 success; 1 the inspected input is malformed (`gw inspect`), or the one CGI request
 * failed (`gw serve --protocol cgi`); 2 usage error (message and usage on stderr), or `gw serve`
 * could not start (module not found, unusable export, address in use…); 70 internal error (a bug
 * in gw; stack on stderr).
 *
 * @param argv arguments after the program name (`process.argv.slice(2)`)
 * @param io streams and build facts; defaults: the process's stdio, version `0.0.0`, no demo capture
 */
export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const full: CliIo = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    stdin: io.stdin ?? process.stdin,
    version: io.version ?? '0.0.0',
    demoCapture: io.demoCapture,
  };
  const command = argv[0] !== undefined && !argv[0].startsWith('-') ? argv[0] : undefined;
  try {
    return await dispatch(command, command === undefined ? argv : argv.slice(1), full);
  } catch (err) {
    if (err instanceof UsageError) {
      full.stderr.write(`gw${command === undefined ? '' : ` ${command}`}: ${err.message}\n\n${COMMAND_HELP[command ?? ''] ?? GW_HELP}`);
      return EXIT_USAGE;
    }
    full.stderr.write(`gw: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT_INTERNAL;
  }
}

async function dispatch(command: string | undefined, args: readonly string[], io: CliIo): Promise<number> {
  switch (command) {
    case undefined: {
      const { values } = parseFlags(args, TOP_FLAGS);
      if (values.version === true) {
        io.stdout.write(`${io.version}\n`);
        return 0;
      }
      if (values.help === true) {
        io.stdout.write(GW_HELP);
        return 0;
      }
      throw new UsageError('missing command');
    }
    case 'help': {
      const topic = args[0];
      if (topic === undefined) {
        io.stdout.write(GW_HELP);
        return 0;
      }
      const text = COMMAND_HELP[topic];
      if (text === undefined) throw new UsageError(`no help for unknown command '${topic}'`);
      io.stdout.write(text);
      return 0;
    }
    case 'inspect': {
      const parsed = parseInspectArgs(args, io.demoCapture);
      if (parsed.help) {
        io.stdout.write(INSPECT_HELP);
        return 0;
      }
      return await runInspect(parsed.options, parsed.file, io);
    }
    case 'serve':
      return await serveCommand(args, io);
    case 'proxy':
      return await proxyCommand(args, io);
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}
