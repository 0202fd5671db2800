// Drives one application server (php-fpm, uWSGI) with hand-built requests and saves what it
// answered (direction "to-server"), plus the request bytes that produced each answer.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePrefix, removePrefix, stopServer, waitForListener } from './processes.mjs';
import { recordExchange } from './recording-client.mjs';
import { captureDir, saveCapture, saveText, scrubConfig } from './save.mjs';

/**
 * `spec`:
 * - `label`, `server`, `script`: as for front ends (capture dir, provenance)
 * - `files({ prefix })` → `{ [fileName]: text }` written into the prefix and saved (scrubbed) next to the captures
 * - `start({ prefix })` → a handle from `startServer`; `listeners({ prefix })` → socket paths to wait for
 * - `commandFor()`: the command line to record
 * - `exchanges({ prefix })` → `[{ name, protocol, target, request, title, note }]`
 */
export async function captureAppServer(spec) {
  const prefix = makePrefix(spec.label);
  const dir = captureDir(spec.label);
  const files = spec.files({ prefix });
  for (const [fileName, text] of Object.entries(files)) {
    writeFileSync(join(prefix, fileName), text, { mode: 0o644 });
    saveText(dir, fileName, scrubConfig(text, prefix));
  }
  const server = spec.start({ prefix });
  try {
    for (const path of spec.listeners({ prefix })) await waitForListener(path, { server });
    for (const exchange of spec.exchanges({ prefix })) {
      const { bytes, closedByPeer } = await recordExchange(exchange.target, exchange.request);
      if (bytes.length === 0) throw new Error(`${spec.label} ${exchange.name}: no answer`);
      writeFileSync(join(dir, `${exchange.name}.request.bin`), exchange.request);
      saveCapture({
        dir,
        name: exchange.name,
        protocol: exchange.protocol,
        direction: 'to-server',
        bytes,
        title: `${spec.label} ${exchange.title}`,
        source: {
          server: spec.server,
          config: Object.keys(files).map((f) => `captured/${spec.label}/${f}`).join(', '),
          command: scrubConfig(spec.commandFor(), prefix),
          client: `scripts/capture recording client; request bytes in captured/${spec.label}/${exchange.name}.request.bin (${exchange.note})`,
          connection: closedByPeer ? 'closed by the application server after its answer' : 'left open by the application server',
          script: spec.script,
          capturedAt: new Date().toISOString().slice(0, 10),
        },
      });
    }
  } catch (err) {
    for (const file of readdirSync(prefix)) {
      if (file.endsWith('.log')) console.error(`--- ${file}\n${readFileSync(join(prefix, file), 'latin1').slice(-4000)}`);
    }
    throw err;
  } finally {
    await stopServer(server);
    removePrefix(prefix);
  }
}
