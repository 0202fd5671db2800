/** Where `gw serve` writes its one-line event log. */
export interface LogStream {
  write(text: string): unknown;
}

/**
 * The event log of `gw serve`: one line per event on stderr, `gw serve[PID]: message`, so lines
 * of the primary and its workers can be told apart in a journal. `--quiet` keeps errors only.
 */
export class ServeLog {
  readonly #stream: LogStream;
  readonly #quiet: boolean;
  readonly #prefix: string;

  constructor(stream: LogStream, quiet: boolean, pid: number = process.pid) {
    this.#stream = stream;
    this.#quiet = quiet;
    this.#prefix = `gw serve[${pid}]: `;
  }

  /** An event (listening, worker started/exited, reload, shutdown). Suppressed by --quiet. */
  info(message: string): void {
    if (!this.#quiet) this.#stream.write(`${this.#prefix}${message}\n`);
  }

  /** A failure; always written. `code` is a stable error code when there is one. */
  error(message: string, code?: string): void {
    this.#stream.write(`${this.#prefix}error${code === undefined ? '' : ` ${code}`}: ${message}\n`);
  }
}
