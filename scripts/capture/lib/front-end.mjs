// Drives one web server ("front end") in front of recording back ends and saves what the front end
// sent to each back end (direction "to-app") for a GET and a POST.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeBackend } from './fake-backend.mjs';
import { commandLine, curlRequest, curlVersion } from './http-client.mjs';
import { freePort, makePrefix, removePrefix, stopServer, waitForListener } from './processes.mjs';
import { captureDir, saveCapture, saveText, scrubConfig } from './save.mjs';

/**
 * `spec`:
 * - `label`: capture directory name, e.g. `nginx-1.22.1`
 * - `server`: provenance string, e.g. `nginx/1.22.1 (Debian 1.22.1-9+deb12u11)`
 * - `routes`: `[{ name, protocol, path, title }]` — one recording back end each; `path` is the
 *   URL prefix the front end forwards to it
 * - `configure({ prefix, port, backends })` → `{ configName, configText }` (writes nothing)
 * - `start({ prefix, port, configPath })` → a handle from `startServer`
 * - `commandFor(configPath)`: the command line to record in provenance
 * - `script`: the capture script's path, for provenance
 */
export async function captureFrontEnd(spec) {
  const prefix = makePrefix(spec.label);
  mkdirSync(join(prefix, 'htdocs'), { recursive: true });
  const port = await freePort();
  const backends = {};
  for (const route of spec.routes) backends[route.name] = await startFakeBackend(route.protocol);
  const { configName, configText, extraFiles = {} } = spec.configure({ prefix, port, backends });
  const configPath = join(prefix, configName);
  writeFileSync(configPath, configText);
  const dir = captureDir(spec.label);
  const portNames = { PORT: port };
  for (const [name, backend] of Object.entries(backends)) portNames[`BACKEND_${name.toUpperCase().replace(/-/g, '_')}_PORT`] = backend.address;
  saveText(dir, configName, scrubConfig(configText, prefix, portNames));
  for (const [fileName, text] of Object.entries(extraFiles)) saveText(dir, fileName, text);

  const server = spec.start({ prefix, port, configPath });
  let failures = 0;
  try {
    await waitForListener(port, { server });
    for (const route of spec.routes) {
      for (const kind of ['get', 'post']) {
        const base = `http://127.0.0.1:${port}${route.path}`;
        const result = await curlRequest(base, kind, prefix);
        // Give the front end time to flush or close its side before the bytes are collected.
        await sleep(300);
        const segments = backends[route.name].take();
        if (result.status !== 200 || segments.length !== 1) {
          failures++;
          console.error(`${spec.label} ${route.name} ${kind}: HTTP ${result.status}, ${segments.length} connection(s) with data`);
          continue;
        }
        const segment = segments[0];
        saveCapture({
          dir,
          name: `${route.name}-${kind}`,
          protocol: route.protocol,
          direction: 'to-app',
          bytes: segment.bytes,
          title: `${spec.label} ${route.title} ${kind.toUpperCase()}`,
          source: {
            server: spec.server,
            config: `captured/${spec.label}/${configName}`,
            command: scrubConfig(spec.commandFor(configPath), prefix, portNames),
            client: `${scrubConfig(commandLine(result.args), prefix, portNames)}  (${curlVersion()})`,
            connection: `connection #${segment.connection + 1} of the back end; ${segment.closed ? 'closed by the front end' : 'left open by the front end'}`,
            script: spec.script,
            capturedAt: new Date().toISOString().slice(0, 10),
          },
        });
      }
    }
    if (failures > 0) printLogs(prefix);
  } catch (err) {
    printLogs(prefix);
    throw err;
  } finally {
    await stopServer(server);
    for (const backend of Object.values(backends)) await backend.close();
    removePrefix(prefix);
  }
  if (failures > 0) throw new Error(`${spec.label}: ${failures} capture(s) failed (see messages above)`);
}

/** Prints the tail of every log in the prefix, to explain a failed capture. */
function printLogs(prefix) {
  for (const file of readdirSync(prefix)) {
    if (!file.endsWith('.log')) continue;
    console.error(`--- ${file}`);
    console.error(readFileSync(join(prefix, file), 'latin1').slice(-4000));
  }
}
