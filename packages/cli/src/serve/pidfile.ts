import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { ServeError, ServeErrorCode } from './errors.js';

/**
 * Writes `pid` to `path` (atomically: a temporary file renamed over it), refusing when the file
 * names another process that is still running — two copies on one pidfile would fight over
 * signals. A pidfile left by a process that died is replaced.
 *
 * @throws ServeError `GW_ERR_SERVE_PIDFILE`
 */
export function writePidfile(path: string, pid: number = process.pid): void {
  const previous = readPid(path);
  if (previous !== undefined && previous !== pid && isRunning(previous)) {
    throw new ServeError(ServeErrorCode.PIDFILE, `${path} names process ${previous}, which is running`);
  }
  const temporary = `${path}.${pid}.tmp`;
  try {
    writeFileSync(temporary, `${pid}\n`);
    renameSync(temporary, path);
  } catch (cause) {
    throw new ServeError(ServeErrorCode.PIDFILE, `cannot write ${path}: ${(cause as Error).message}`, { cause });
  }
}

/** Removes the pidfile if it still holds `pid` (a successor may have taken it over). */
export function removePidfile(path: string, pid: number = process.pid): void {
  if (readPid(path) !== pid) return;
  try {
    unlinkSync(path);
  } catch {}
}

function readPid(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** Signal 0 checks that a process exists; EPERM means it exists but belongs to someone else. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
