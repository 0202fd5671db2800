/**
 * wrk as the load generator: runs it, parses its text report (requests, duration, latency
 * distribution from --latency, error counts). wrk prints nothing machine-readable by default and
 * a Lua script would cost wrk CPU on the same two cores, so the text is parsed.
 */
import { execFile } from 'node:child_process';

/** What one wrk run measured. */
export interface WrkResult {
  requests: number;
  seconds: number;
  /** requests / seconds. */
  rps: number;
  /** Latency percentiles, ms. */
  p50: number;
  p99: number;
  /** Responses with a status outside 2xx/3xx. */
  non2xx: number;
  /** connect + read + write + timeout socket errors. */
  socketErrors: number;
}

/** Options of one run; defaults are the issue's `wrk -t1 -c50 -d10s`. */
export interface WrkOptions {
  threads?: number;
  connections?: number;
  seconds?: number;
}

const UNITS: Record<string, number> = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

function duration(value: string, unit: string): number {
  const scale = UNITS[unit];
  if (scale === undefined) throw new Error(`unknown wrk time unit ${unit}`);
  return Number(value) * scale;
}

/** Parses wrk's report (the `--latency` form). */
export function parseWrk(text: string): WrkResult {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m|h)/.exec(text);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s|m|h)/m.exec(text);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m|h)/m.exec(text);
  if (!total || !p50 || !p99) throw new Error(`cannot parse wrk output:\n${text}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  const requests = Number(total[1]);
  const seconds = duration(total[2] as string, total[3] as string) / 1000;
  return {
    requests,
    seconds,
    rps: requests / seconds,
    p50: duration(p50[1] as string, p50[2] as string),
    p99: duration(p99[1] as string, p99[2] as string),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}

/** The wrk command line for `url` (also printed in the results). */
export function wrkArgs(url: string, o: WrkOptions = {}): string[] {
  return [`-t${o.threads ?? 1}`, `-c${o.connections ?? 50}`, `-d${o.seconds ?? 10}s`, '--latency', url];
}

/** Runs wrk against `url` and parses its report. */
export function runWrk(url: string, o: WrkOptions = {}): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    execFile('wrk', wrkArgs(url, o), { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`wrk failed: ${err.message}\n${stderr}`));
      try {
        resolve(parseWrk(stdout));
      } catch (e) {
        reject(e);
      }
    });
  });
}
