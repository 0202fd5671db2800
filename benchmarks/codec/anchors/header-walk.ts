/**
 * The "header-walk" limit: the least work any streaming FastCGI decoder must do. It reads each
 * 8-byte record header (copying it only when it straddles two chunks), skips padding, and hands
 * out the content as `subarray` views without reading a payload byte. No validation, no callbacks
 * beyond summing view lengths. A real decoder that also validates and dispatches can approach this
 * but not beat it, so "gw ÷ header-walk" says how much of the floor's speed gw keeps.
 */
export class HeaderWalker {
  /** Content bytes still to hand out for the current record. */
  #content = 0;
  /** Padding bytes still to skip. */
  #padding = 0;
  /** A header that straddles chunks is gathered here. */
  readonly #header = Buffer.alloc(8);
  #headerHave = 0;
  /** Sum of view lengths handed out (the sink). */
  viewBytes = 0;
  views = 0;
  records = 0;

  push(chunk: Buffer): void {
    const len = chunk.length;
    let pos = 0;
    while (pos < len) {
      if (this.#content > 0) {
        const n = Math.min(this.#content, len - pos);
        const view = chunk.subarray(pos, pos + n);
        this.viewBytes += view.length;
        this.views++;
        this.#content -= n;
        pos += n;
      } else if (this.#padding > 0) {
        const n = Math.min(this.#padding, len - pos);
        this.#padding -= n;
        pos += n;
      } else if (this.#headerHave === 0 && len - pos >= 8) {
        this.#content = ((chunk[pos + 4] as number) << 8) | (chunk[pos + 5] as number);
        this.#padding = (chunk[pos + 6] as number);
        this.records++;
        pos += 8;
      } else {
        const n = Math.min(8 - this.#headerHave, len - pos);
        chunk.copy(this.#header, this.#headerHave, pos, pos + n);
        this.#headerHave += n;
        pos += n;
        if (this.#headerHave === 8) {
          this.#content = ((this.#header[4] as number) << 8) | (this.#header[5] as number);
          this.#padding = (this.#header[6] as number);
          this.#headerHave = 0;
          this.records++;
        }
      }
    }
  }
}
