import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from './cleanup.js';

/** A temporary directory that holds one server's config, logs, sockets and temp files. */
export interface TempPrefix {
  /** Absolute path, no trailing slash. */
  readonly path: string;
  /** `join(path, ...parts)`. */
  file(...parts: string[]): string;
  /** Removes the directory and everything in it (idempotent). */
  remove(): void;
}

const live = new Set<string>();
onCleanup(1, () => {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
});

/**
 * Creates a fresh prefix under the OS temp dir, named `gw-interop-<label>-XXXXXX`, with mode 0755:
 * started as root, nginx workers run as nobody and Apache children as www-data, and they must be
 * able to reach the prefix (nginx buffers request bodies over 16 KiB to client_body_temp_path in
 * it, and fails with 500 when it cannot). A prefix not removed explicitly goes when the process exits or is interrupted.
 */
export function makeTempPrefix(label: string): TempPrefix {
  const path = mkdtempSync(join(tmpdir(), `gw-interop-${label}-`));
  // mkdtemp creates the directory 0700 whatever the umask.
  chmodSync(path, 0o755);
  live.add(path);
  return {
    path,
    file: (...parts) => join(path, ...parts),
    remove: () => {
      rmSync(path, { recursive: true, force: true });
      live.delete(path);
    },
  };
}
