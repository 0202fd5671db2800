/** Where the CLI reads and writes. `main()` takes it as a parameter so tests can run the CLI in-process. */
export interface CliIo {
  /** Receives the JSON result and help text. */
  stdout: { write(text: string): unknown };
  /** Receives usage errors and notes. */
  stderr: { write(text: string): unknown };
  /** Read for the file argument `-`. */
  stdin: AsyncIterable<Uint8Array | string>;
  /** Printed by `gw --version`. */
  version: string;
  /** Path of the bundled nginx capture that `gw inspect --demo` decodes, if the package ships one. */
  demoCapture: string | undefined;
}
