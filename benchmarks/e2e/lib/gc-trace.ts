/**
 * Reads `node --trace-gc` lines (printed on the app's stdout) into totals: how many collections of
 * each kind, how much they freed and how long they paused. Freed bytes over a run ≈ the garbage
 * the app made (what it allocated, less what it still holds), which is what costs GC time.
 */

export interface GcTotals {
  scavenges: number;
  markCompacts: number;
  /** MiB freed by all collections (size before − size after, as V8 prints them). */
  freedMiB: number;
  /** Main-thread pause, ms, summed. */
  pauseMs: number;
}

// e.g. "[123:0x5f]   812 ms: Scavenge 4.4 (5.6) -> 3.6 (6.6) MB, 0.63 / 0.00 ms  (average mu = …) allocation failure;"
const LINE = /: (Scavenge|Mark-Compact|Minor Mark-Compact|Mark-sweep)[^0-9]*([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB, ([\d.]+)/;

export function readGcTrace(lines: readonly string[]): GcTotals {
  const t: GcTotals = { scavenges: 0, markCompacts: 0, freedMiB: 0, pauseMs: 0 };
  for (const line of lines) {
    const m = LINE.exec(line);
    if (!m) continue;
    if (m[1] === 'Scavenge' || m[1] === 'Minor Mark-Compact') t.scavenges++;
    else t.markCompacts++;
    t.freedMiB += Math.max(0, Number(m[2]) - Number(m[4]));
    t.pauseMs += Number(m[6]);
  }
  return t;
}
