import { rmSync } from 'node:fs';
import { defineConfig } from 'tsup';

// Two builds share dist/: the library (ESM + CJS + types) and the `gw` executable (ESM only, it
// is never required). tsup runs them in parallel, so neither may `clean`; dist is emptied here,
// once, before either starts.
rmSync(new URL('./dist/', import.meta.url), { recursive: true, force: true });

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: false,
    target: 'node20',
  },
  {
    // The shebang in src/bin.ts is kept, and tsup marks a file that starts with one executable.
    entry: ['src/bin.ts'],
    format: ['esm'],
    dts: false,
    sourcemap: true,
    clean: false,
    target: 'node20',
  },
]);
