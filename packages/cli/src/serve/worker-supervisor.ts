import cluster, { type Worker } from 'node:cluster';
import type { Server, Socket } from 'node:net';
import { isGwMessage, type PrimaryMessage, type WorkerConfig, type WorkerMessage, WORKER_CONFIG_ENV } from './cluster-messages.js';
import { ConnectionDispatcher } from './connection-dispatcher.js';
import { EXIT_SERVE_ERROR, ServeErrorCode } from './errors.js';
import type { ServeLog } from './log.js';
import type { ServeOptions } from './options.js';
import { removePidfile } from './pidfile.js';

/** Why a worker was started. */
type StartReason = 'start' | 'restart' | 'reload' | 'retire';

interface WorkerSlot {
  readonly worker: Worker;
  readonly pid: number;
  readonly reason: StartReason;
  readonly startedAt: number;
  /** It reported 'ready': it takes connections. */
  ready: boolean;
  /** It stopped taking connections on its own (a signal sent to it directly). */
  draining: boolean;
  /** It was told to stop: its exit is expected. */
  retiring: boolean;
  /** The worker this one takes over from once it is ready (reload, --max-requests). */
  replaces: WorkerSlot | undefined;
  /** The worker starting to take over from this one. */
  replacement: WorkerSlot | undefined;
  /** Why it could not start, if it said. */
  fatal: { code: string; message: string } | undefined;
}

/** A worker that lived less than this before dying counts towards a crash loop. */
const CRASH_LOOP_WINDOW = 10_000;
/** Delay before restarting the Nth worker of a crash loop: 0, 250 ms, 500 ms, 1 s … 16 s. */
const restartDelay = (streak: number) => (streak <= 1 ? 0 : Math.min(16_000, 250 * 2 ** (streak - 2)));
/** Extra time past the shutdown timeout before workers that did not exit are killed. */
const KILL_GRACE = 5_000;

/**
 * The cluster primary's bookkeeping: forks the workers, hands them the connections `listener`
 * accepts, replaces the dead and the retired, reloads on SIGHUP, and stops on SIGTERM/SIGINT
 * (see runClusterPrimary for the policy). `run()` resolves with the exit status once every
 * worker has exited after a stop.
 */
export class WorkerSupervisor {
  readonly #options: ServeOptions;
  readonly #config: WorkerConfig;
  readonly #log: ServeLog;
  readonly #listener: Server;
  readonly #address: string;
  readonly #dispatcher: ConnectionDispatcher<Worker>;
  readonly #slots = new Map<number, WorkerSlot>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #state: 'starting' | 'running' | 'stopping' = 'starting';
  #crashStreak = 0;
  #exitCode = 0;
  #killTimer: NodeJS.Timeout | undefined;
  #done: (code: number) => void = () => {};

  constructor(options: ServeOptions, config: WorkerConfig, log: ServeLog, listener: Server, address: string) {
    this.#options = options;
    this.#config = config;
    this.#log = log;
    this.#listener = listener;
    this.#address = address;
    this.#dispatcher = new ConnectionDispatcher(() => this.#readyWorkers());
  }

  run(): Promise<number> {
    // Workers do not read stdin: fd 0 may be the inherited listening socket, which only the
    // primary should hold.
    cluster.setupPrimary({ stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    cluster.on('message', (worker, message) => this.#onMessage(worker, message));
    cluster.on('exit', (worker, code, signal) => this.#onExit(worker, code, signal));
    this.#listener.on('connection', (socket: Socket) => this.#dispatcher.offer(socket));
    process.on('SIGTERM', () => this.#stop('SIGTERM'));
    process.on('SIGINT', () => this.#stop('SIGINT'));
    process.on('SIGHUP', () => this.#reload());
    this.#log.info(`starting ${this.#options.workers} worker(s) (${this.#config.protocol}, ${this.#config.app})`);
    for (let i = 0; i < this.#options.workers; i++) this.#fork('start', undefined);
    return new Promise((resolve) => {
      this.#done = resolve;
    });
  }

  #fork(reason: StartReason, replaces: WorkerSlot | undefined): void {
    const worker = cluster.fork({ [WORKER_CONFIG_ENV]: JSON.stringify(this.#config) });
    const slot: WorkerSlot = {
      worker,
      pid: worker.process.pid ?? 0,
      reason,
      startedAt: Date.now(),
      ready: false,
      retiring: false,
      draining: false,
      replaces,
      replacement: undefined,
      fatal: undefined,
    };
    if (replaces !== undefined) replaces.replacement = slot;
    this.#slots.set(worker.id, slot);
    this.#log.info(`worker ${slot.pid} started${reason === 'start' ? '' : ` (${reason}${replaces === undefined ? '' : ` of worker ${replaces.pid}`})`}`);
  }

  #onMessage(worker: Worker, message: unknown): void {
    const slot = this.#slots.get(worker.id);
    if (slot === undefined || !isGwMessage(message)) return;
    const report = message as WorkerMessage;
    switch (report.gw) {
      case 'ready':
        slot.ready = true;
        this.#onReady(slot, report.kind);
        return;
      case 'accepted':
        // A refusal means the worker is draining: stop offering it connections.
        if (!report.accepted) slot.draining = true;
        this.#dispatcher.answered(report.id, report.accepted);
        return;
      case 'draining':
        slot.draining = true;
        return;
      case 'fatal':
        slot.fatal = { code: report.code, message: report.message };
        return;
      case 'retire':
        this.#retireAfterRequests(slot, report.requests);
        return;
    }
  }

  /** Workers that take connections now, in start order. */
  #readyWorkers(): Worker[] {
    const ready: Worker[] = [];
    for (const slot of this.#slots.values()) {
      if (slot.ready && !slot.retiring && !slot.draining && slot.worker.isConnected()) ready.push(slot.worker);
    }
    return ready;
  }

  #onReady(slot: WorkerSlot, kind: string): void {
    if (this.#state === 'stopping') {
      // It was forked before the stop; the shutdown sent then could not be heard yet.
      this.#tellToStop(slot);
      return;
    }
    this.#log.info(`worker ${slot.pid} ready`);
    const old = slot.replaces;
    if (old !== undefined) {
      slot.replaces = undefined;
      old.replacement = undefined;
      if (this.#slots.has(old.worker.id)) this.#tellToStop(old);
    }
    if (this.#state === 'starting' && [...this.#slots.values()].every((s) => s.ready)) {
      this.#state = 'running';
      this.#log.info(`listening on ${this.#address} (${this.#config.protocol}, ${kind}, ${this.#slots.size} workers, primary pid ${process.pid})`);
    }
    if (slot.reason === 'reload' && !this.#reloadPending()) this.#log.info('reload complete: new workers serve, old ones finish their requests');
    this.#dispatcher.workerReady();
  }

  #onExit(worker: Worker, code: number | null, signal: string | null): void {
    const slot = this.#slots.get(worker.id);
    if (slot === undefined) return;
    this.#slots.delete(worker.id);
    this.#dispatcher.workerGone(worker);
    const how = signal !== null ? `signal ${signal}` : `code ${code}`;
    if (this.#state === 'stopping' || slot.retiring) {
      this.#log.info(`worker ${slot.pid} exited (${how})`);
      if (this.#state === 'stopping' && this.#slots.size === 0) this.#finish();
      return;
    }
    if (this.#state === 'starting') {
      this.#failStart(slot, how);
      return;
    }
    if (!slot.ready && slot.replaces !== undefined) {
      this.#replacementFailed(slot, how);
      return;
    }
    // An unexpected death of a serving worker (or of a restart that never got to serve).
    const uptime = Date.now() - slot.startedAt;
    this.#crashStreak = uptime < CRASH_LOOP_WINDOW ? this.#crashStreak + 1 : 1;
    const coming = slot.replacement;
    if (coming !== undefined) {
      // It was being replaced anyway: its replacement takes the place.
      coming.replaces = undefined;
      this.#log.info(`worker ${slot.pid} died (${how}); worker ${coming.pid} takes its place`);
      return;
    }
    const delay = restartDelay(this.#crashStreak);
    const detail = slot.fatal === undefined ? '' : `: ${slot.fatal.code} ${slot.fatal.message}`;
    this.#log.info(`worker ${slot.pid} died (${how})${detail}; starting a new one${delay > 0 ? ` in ${delay} ms (crash loop)` : ''}`);
    this.#later(delay, () => this.#fork('restart', undefined));
  }

  /** A worker of the first start exited before everyone served: the command as given cannot run. */
  #failStart(slot: WorkerSlot, how: string): void {
    if (this.#exitCode === 0) {
      if (slot.fatal !== undefined) this.#log.error(slot.fatal.message, slot.fatal.code);
      else this.#log.error(`worker ${slot.pid} exited (${how}) before it was serving`, ServeErrorCode.WORKER_FAILED);
      this.#exitCode = EXIT_SERVE_ERROR;
    }
    this.#stopAll();
  }

  /** A reload or --max-requests replacement exited before it served: the old worker stays. */
  #replacementFailed(slot: WorkerSlot, how: string): void {
    const old = slot.replaces as WorkerSlot;
    old.replacement = undefined;
    const detail = slot.fatal === undefined ? '' : `: ${slot.fatal.code} ${slot.fatal.message}`;
    if (slot.reason === 'reload') {
      this.#log.error(`reload failed: new worker ${slot.pid} exited (${how}) before serving${detail}; the old workers keep serving`);
      for (const other of this.#slots.values()) {
        if (other.reason !== 'reload' || other.ready || other.replaces === undefined) continue;
        other.replaces.replacement = undefined;
        other.replaces = undefined;
        this.#tellToStop(other);
      }
      return;
    }
    this.#crashStreak++;
    const delay = Math.max(restartDelay(this.#crashStreak), 250);
    this.#log.info(`replacement worker ${slot.pid} exited (${how})${detail}; worker ${old.pid} keeps serving, retrying in ${delay} ms`);
    this.#later(delay, () => {
      if (this.#slots.has(old.worker.id) && !old.retiring && old.replacement === undefined) this.#fork(slot.reason, old);
    });
  }

  #retireAfterRequests(slot: WorkerSlot, requests: number): void {
    if (this.#state !== 'running' || slot.retiring || slot.replacement !== undefined) return;
    this.#log.info(`worker ${slot.pid} served ${requests} requests (--max-requests): replacing it`);
    this.#fork('retire', slot);
  }

  #reload(): void {
    if (this.#state !== 'running') {
      this.#log.info(`SIGHUP ignored while ${this.#state}`);
      return;
    }
    if (this.#reloadPending()) {
      this.#log.info('SIGHUP ignored: a reload is in progress');
      return;
    }
    const current = [...this.#slots.values()].filter((slot) => !slot.retiring && slot.replacement === undefined);
    this.#log.info(`SIGHUP: reloading, starting ${current.length} new worker(s)`);
    for (const slot of current) this.#fork('reload', slot);
  }

  #reloadPending(): boolean {
    for (const slot of this.#slots.values()) if (slot.reason === 'reload' && !slot.ready) return true;
    return false;
  }

  #stop(signal: string): void {
    if (this.#state === 'stopping') {
      this.#log.info(`${signal} again: killing the remaining workers`);
      for (const slot of this.#slots.values()) slot.worker.process.kill('SIGKILL');
      return;
    }
    this.#log.info(`${signal}: shutting down ${this.#slots.size} worker(s), draining requests in flight (up to ${this.#options.shutdownTimeout} ms)`);
    this.#stopAll();
  }

  #stopAll(): void {
    this.#state = 'stopping';
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    // No new connections (a unix socket file is removed with it); the workers finish theirs.
    this.#listener.close();
    this.#dispatcher.close();
    for (const slot of this.#slots.values()) this.#tellToStop(slot);
    if (this.#slots.size === 0) {
      this.#finish();
      return;
    }
    this.#killTimer = setTimeout(() => {
      for (const slot of this.#slots.values()) {
        this.#log.info(`worker ${slot.pid} still running ${KILL_GRACE} ms after the shutdown timeout: killing it`);
        slot.worker.process.kill('SIGKILL');
      }
    }, this.#options.shutdownTimeout + KILL_GRACE);
  }

  /**
   * Asks a worker to shut down gracefully. One that is still starting has no message handler yet
   * and serves nothing: SIGTERM ends it (or, if it just got going, makes it drain).
   */
  #tellToStop(slot: WorkerSlot): void {
    slot.retiring = true;
    if (slot.ready && slot.worker.isConnected()) {
      const message: PrimaryMessage = { gw: 'shutdown' };
      slot.worker.send(message);
    } else {
      slot.worker.process.kill('SIGTERM');
    }
  }

  #later(delay: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#state !== 'stopping') action();
    }, delay);
    this.#timers.add(timer);
  }

  #finish(): void {
    clearTimeout(this.#killTimer);
    if (this.#options.pidfile !== undefined) removePidfile(this.#options.pidfile);
    if (this.#exitCode === 0) this.#log.info('stopped');
    this.#done(this.#exitCode);
  }
}
