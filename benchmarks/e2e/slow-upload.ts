/**
 * Scenario 6: a large upload to a handler that reads slowly. A client process sends STDIN
 * records straight to the gw app as fast as the socket takes them; the handler reads 1 MiB per
 * 10 ms. If gw honours backpressure (pauses the socket while the handler is behind), the app's
 * RSS stays flat; if it buffers, RSS grows with the body. RSS is sampled every 100 ms.
 */
import { join } from 'node:path';
import { clientsDir } from './lib/build.js';
import { appEnvironment } from './lib/nginx.js';
import { rssBytes, sleep, start, stop, waitForLine } from './lib/processes.js';
import { formatMiB, median } from './lib/stats.js';

export interface UploadSettings {
  mib: number;
  /** RSS growth allowed, bytes (the issue: 64 MiB). */
  maxGrowth: number;
}

export interface UploadResult {
  settings: UploadSettings;
  bytes: number;
  ms: number;
  /** The handler's answer (the byte count it read) and END_REQUEST's appStatus. */
  answer: string;
  appStatus: number;
  rssBaseline: number;
  rssMax: number;
  samples: number;
}

const log = (s: string) => process.stderr.write(`${s}\n`);

function upload(socket: string, mib: number) {
  const client = start('upload client', process.execPath, [join(clientsDir, 'upload-client.mjs'), socket, String(mib)], { env: appEnvironment() });
  return client;
}

/** Runs the scenario with the gw bundle in `dir`. */
export async function runSlowUpload(dir: string, gwBundle: string, settings: UploadSettings): Promise<UploadResult> {
  const socket = join(dir, 'gw-upload.sock');
  const app = start('gw app (slow upload)', process.execPath, [gwBundle, socket], {
    env: appEnvironment({ GW_APP_MODE: 'slow-upload', GW_MAX_BODY_BYTES: String(4 * settings.mib * 1024 * 1024) }),
  });
  try {
    await waitForLine(app, (l) => l === 'listening');
    // Warm-up: a 16 MiB upload, so the baseline includes a server that has run the path.
    const warm = upload(socket, 16);
    await waitForLine(warm, (l) => l.startsWith('{'), 60_000);
    await stop(warm);
    await sleep(300);
    const baselineSamples: number[] = [];
    for (let i = 0; i < 5; i++) {
      baselineSamples.push(rssBytes(app.pid));
      await sleep(100);
    }
    const rssBaseline = median(baselineSamples);
    log(`slow upload: baseline RSS ${formatMiB(rssBaseline)}; sending ${settings.mib} MiB`);

    const client = upload(socket, settings.mib);
    let rssMax = rssBaseline;
    let samples = 0;
    const sampler = setInterval(() => {
      try {
        rssMax = Math.max(rssMax, rssBytes(app.pid));
        samples++;
      } catch {}
    }, 100);
    const line = await waitForLine(client, (l) => l.startsWith('{'), 10 * 60_000).finally(() => clearInterval(sampler));
    await stop(client);
    const report = JSON.parse(line) as { bytes: number; ms: number; answer: string; appStatus: number };
    log(`slow upload: ${report.bytes} bytes in ${report.ms} ms, answer ${report.answer}; RSS max ${formatMiB(rssMax)}`);
    return { settings, ...report, rssBaseline, rssMax, samples };
  } finally {
    await stop(app);
  }
}

export function uploadReport(r: UploadResult): string {
  const growth = r.rssMax - r.rssBaseline;
  const complete = r.answer === String(r.bytes) && r.appStatus === 0;
  const verdict = !complete ? '**FAILED** (the handler did not read the whole body)' : growth < r.settings.maxGrowth ? 'met' : '**MISSED**';
  return [
    `## Slow reader: a ${r.settings.mib} MiB upload to a handler reading 1 MiB per 10 ms`,
    '',
    'A client process writes BEGIN_REQUEST, PARAMS and 65528-byte STDIN records straight to the gw app\'s unix socket, as fast as the socket accepts them (it waits only for \'drain\'). ' +
      'The handler (`req.on(\'data\')`) pauses the request for 10 ms after every MiB, then answers with the byte count. RSS (/proc VmRSS) is sampled every 100 ms; ' +
      'the baseline is the median of 5 samples after a 16 MiB warm-up upload.',
    '',
    '| measure | value |',
    '| --- | ---: |',
    `| body sent / read by the handler | ${r.bytes} / ${r.answer} bytes (appStatus ${r.appStatus}) |`,
    `| duration | ${(r.ms / 1000).toFixed(1)} s (${((r.bytes / 1024 / 1024) / (r.ms / 1000)).toFixed(0)} MiB/s; the handler's cap is 100 MiB/s) |`,
    `| RSS baseline | ${formatMiB(r.rssBaseline)} |`,
    `| RSS max (${r.samples} samples) | ${formatMiB(r.rssMax)} |`,
    `| RSS growth | ${formatMiB(growth)} |`,
    '',
    `Target: RSS growth < ${formatMiB(r.settings.maxGrowth)} — ${verdict}.`,
    '',
  ].join('\n');
}
