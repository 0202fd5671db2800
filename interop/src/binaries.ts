import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CLEAN_ENV } from './process.js';

const SEARCH_PATH = `${process.env.PATH ?? ''}${delimiter}${CLEAN_ENV.PATH}`;

/** Absolute path of an executable found on PATH (plus the sbin dirs servers live in), or null. */
export function findBinary(name: string): string | null {
  for (const dir of SEARCH_PATH.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Why a peer cannot be tested here, or '' when all its binaries are installed. Meant for test
 * names: `it.skipIf(reason !== '')(\`…\${reason}\`)` puts the reason in the report.
 */
export function missingReason(...names: string[]): string {
  const missing = names.filter((n) => findBinary(n) === null);
  return missing.length === 0 ? '' : ` [skipped: ${missing.join(', ')} not installed — see scripts/apt-packages.txt]`;
}
