/**
 * Last-resort cleanup when a test run ends or is interrupted: registered actions (kill servers,
 * then remove temp prefixes) run once, on normal exit or on SIGINT/SIGTERM/SIGHUP — after which
 * the process dies of the same signal, as if nobody had been listening.
 */
type Action = () => void;

// Servers must die before their prefixes go: ordered by phase, then registration.
const actions: { phase: number; run: Action }[] = [];
let installed = false;
let ran = false;

function runAll(): void {
  if (ran) return;
  ran = true;
  for (const { run } of actions.sort((a, b) => a.phase - b.phase)) {
    try {
      run();
    } catch {
      // keep going: the other actions matter more than one failure
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      runAll();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.once(signal, onSignal);
  }
}

/** Registers a cleanup action. Phase 0 runs first (stop processes), phase 1 after (remove files). */
export function onCleanup(phase: 0 | 1, run: Action): void {
  install();
  actions.push({ phase, run });
}
