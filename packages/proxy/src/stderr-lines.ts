/** Longest line passed on whole; a longer run without a newline is cut into pieces of this size. */
const MAX_LINE = 8192;

/**
 * Cuts a STDERR byte stream into lines for logging. php-fpm sends each `error_log()` as its own
 * record ending in a newline, but record boundaries mean nothing (spec §3.3), so lines are
 * reassembled across chunks. Trailing CR and empty lines are dropped (nginx trims the same).
 */
export class StderrLines {
  #partial = '';
  readonly #emit: (line: string) => void;

  constructor(emit: (line: string) => void) {
    this.#emit = emit;
  }

  push(chunk: Buffer): void {
    let text = this.#partial + chunk.toString('utf8');
    let nl = text.indexOf('\n');
    while (nl !== -1) {
      this.#line(text.slice(0, nl));
      text = text.slice(nl + 1);
      nl = text.indexOf('\n');
    }
    while (text.length > MAX_LINE) {
      this.#line(text.slice(0, MAX_LINE));
      text = text.slice(MAX_LINE);
    }
    this.#partial = text;
  }

  /** The stream ended: a last line without a newline is passed on too. */
  flush(): void {
    const rest = this.#partial;
    this.#partial = '';
    this.#line(rest);
  }

  #line(line: string): void {
    const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (trimmed.length > 0) this.#emit(trimmed);
  }
}
