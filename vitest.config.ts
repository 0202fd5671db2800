import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import sibling packages from their sources, so nothing has to be built first.
const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));
const alias = {
  '@gw/core': src('core'),
  '@gw/fastcgi': src('fastcgi'),
  '@gw/scgi': src('scgi'),
  '@gw/uwsgi': src('uwsgi'),
  '@gw/cli': src('cli'),
  '@gw/node-http': src('node-http'),
  '@gw/proxy': src('proxy'),
  '@gw/test-utils': src('test-utils'),
};

const project = (name: string, include: string[], extra: Record<string, unknown> = {}) => ({
  resolve: { alias },
  test: { name, include, environment: 'node', ...extra },
});

export default defineConfig({
  test: {
    projects: [
      project('core', ['packages/core/test/**/*.test.ts']),
      project('fastcgi', ['packages/fastcgi/test/**/*.test.ts']),
      project('scgi', ['packages/scgi/test/**/*.test.ts']),
      project('uwsgi', ['packages/uwsgi/test/**/*.test.ts']),
      // Projects that start real processes (gw serve, php-fpm, uWSGI, nginx, …) on a 2-core machine get
      // one retry: their timing-dependent steps (drain deadlines, worker recycling) can lose a race
      // under load. A real failure fails twice.
      project('cli', ['packages/cli/test/**/*.test.ts'], { testTimeout: 30_000, retry: 1 }),
      project('node-http', ['packages/node-http/test/**/*.test.ts']),
      project('proxy', ['packages/proxy/test/**/*.test.ts'], { testTimeout: 60_000, retry: 1 }),
      project('demo', ['packages/demo/*.test.ts'], { testTimeout: 120_000, retry: 1 }),
      project('interop', ['interop/test/**/*.test.ts'], { testTimeout: 60_000, hookTimeout: 60_000, retry: 1 }),
      project('vectors', ['test-vectors/**/*.test.ts'], { testTimeout: 60_000 }),
      project('fuzz', ['packages/*/fuzz/**/*.fuzz.ts'], { testTimeout: 600_000 }),
    ],
  },
});
