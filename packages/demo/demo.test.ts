import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const demo = fileURLToPath(new URL('./demo.mjs', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../cli/dist/bin.js', import.meta.url))) && existsSync(fileURLToPath(new URL('../proxy/dist/index.js', import.meta.url)));

describe('the README demo', () => {
  // The demo runs the built packages (as a user would); scripts/setup.sh builds them first.
  it.skipIf(!built)('serves the Express app over FastCGI, SCGI and uwsgi through every front, then cleans up (skipped only when packages are not built)', () => {
    const run = spawnSync(process.execPath, [demo, '--check'], { encoding: 'utf8', timeout: 90_000 });
    const lines = run.stdout.split('\n').filter((l) => /^(ok|FAIL)/.test(l));
    expect(run.status, run.stderr).toBe(0);
    expect(lines.filter((l) => l.startsWith('ok')).length).toBeGreaterThanOrEqual(3);
    for (const protocol of ['fastcgi', 'scgi', 'uwsgi']) expect(run.stdout).toContain(`"protocol":"${protocol}"`);
  });
});
