import type { Socket } from 'node:net';
import type { PrimaryMessage } from './cluster-messages.js';

/** A worker as the dispatcher sees it. */
export interface ConnectionTaker {
  /** child_process `send`; the dispatcher passes `keepOpen: true` so the socket stays open here. */
  send(message: PrimaryMessage, socket: Socket, options: { keepOpen: boolean }, callback: (error: Error | null) => void): unknown;
}

/** Connections waiting for a worker beyond this are refused: a bound on the primary's memory. */
const MAX_WAITING = 4096;
/** Hand-outs of one connection (refusals, failed sends, dead workers) before it is given up. */
const MAX_HANDOUTS = 8;

/**
 * Hands the connections the primary accepts to its workers, round-robin — what node:cluster
 * does by default, kept in our hands so that the listening socket belongs to the primary for
 * good: cluster closes its socket when the last worker is gone (a crash loop), which loses a
 * port chosen by the kernel and an inherited fd (systemd, spawn-fcgi) for ever.
 *
 * A socket stays open here until its worker answers 'accepted'. A refusal (the worker started
 * draining), a failed send or a worker's death before answering hands it to another worker (at
 * most 8 times); while no worker is ready, connections wait (the web server sees a slow accept,
 * not a refusal).
 */
export class ConnectionDispatcher<W extends ConnectionTaker> {
  readonly #ready: () => readonly W[];
  readonly #waiting: Socket[] = [];
  readonly #handedOut = new Map<number, { socket: Socket; worker: W }>();
  readonly #handouts = new WeakMap<Socket, number>();
  #nextId = 1;
  #turn = 0;
  #closed = false;

  /** @param ready the workers taking connections now, in a stable order */
  constructor(ready: () => readonly W[]) {
    this.#ready = ready;
  }

  /** Connections waiting for a worker. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** A connection the primary accepted (paused: nothing is read here). */
  offer(socket: Socket): void {
    // A client resetting a waiting connection must not crash the primary.
    socket.on('error', () => {});
    socket.once('close', () => this.#forget(socket));
    this.#dispatch(socket);
  }

  #dispatch(socket: Socket): void {
    if (this.#closed || socket.destroyed || this.#waiting.length >= MAX_WAITING) {
      socket.destroy();
      return;
    }
    const workers = this.#ready();
    if (workers.length === 0) {
      this.#waiting.push(socket);
      return;
    }
    const handouts = (this.#handouts.get(socket) ?? 0) + 1;
    if (handouts > MAX_HANDOUTS) {
      socket.destroy();
      return;
    }
    this.#handouts.set(socket, handouts);
    const worker = workers[this.#turn++ % workers.length] as W;
    const id = this.#nextId++;
    this.#handedOut.set(id, { socket, worker });
    worker.send({ gw: 'connection', id }, socket, { keepOpen: true }, (error) => {
      if (error !== null) this.#takeBack(id);
    });
  }

  /** A worker's answer to the connection `id`. */
  answered(id: number, accepted: boolean): void {
    const entry = this.#handedOut.get(id);
    if (entry === undefined) return;
    this.#handedOut.delete(id);
    // The worker holds its own descriptor now; closing ours leaves the connection open.
    if (accepted) entry.socket.destroy();
    else this.#dispatch(entry.socket);
  }

  /** A worker became ready: connections waiting for one go out. */
  workerReady(): void {
    for (const socket of this.#waiting.splice(0)) this.#dispatch(socket);
  }

  /** A worker exited: what it had not answered for goes to another. */
  workerGone(worker: W): void {
    for (const [id, entry] of this.#handedOut) {
      if (entry.worker === worker) this.#takeBack(id);
    }
  }

  /** Shutdown: no more connections; those waiting are closed (no request of theirs was read). */
  close(): void {
    this.#closed = true;
    for (const socket of this.#waiting.splice(0)) socket.destroy();
  }

  #takeBack(id: number): void {
    const entry = this.#handedOut.get(id);
    if (entry === undefined) return;
    this.#handedOut.delete(id);
    this.#dispatch(entry.socket);
  }

  /** A waiting connection the client gave up on leaves the line. */
  #forget(socket: Socket): void {
    const at = this.#waiting.indexOf(socket);
    if (at >= 0) this.#waiting.splice(at, 1);
  }
}
