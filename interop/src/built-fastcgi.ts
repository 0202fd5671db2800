import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const INTEROP_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * True if `import('@gw/fastcgi')`, resolved from interop/ as a plain node process resolves it
 * (packages/fastcgi/dist), exports createServer. Processes started outside vitest (the
 * spawn-fcgi fixture) run the built package, so it must have been built — scripts/setup.sh
 * does, or `pnpm --filter "@gw/fastcgi..." run build`.
 */
export function builtServerAvailable(): boolean {
  try {
    execFileSync(process.execPath, ['--input-type=module', '-e', "const m = await import('@gw/fastcgi'); process.exit(typeof m.createServer === 'function' ? 0 : 1)"], {
      cwd: INTEROP_DIR,
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

/** A skip reason for test names, or '' when the built server is there. */
export function builtServerMissingReason(): string {
  return builtServerAvailable() ? '' : ' [skipped: packages/fastcgi/dist is missing or does not export createServer — run pnpm --filter "@gw/fastcgi..." run build]';
}
