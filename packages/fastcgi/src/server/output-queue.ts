import type { Socket } from 'node:net';

type WriteCallback = (err?: Error | null) => void;

/** A queued piece of one request's output, with the callback to run once it reaches the socket. */
interface Pending {
  bufs: Buffer[];
  bytes: number;
  cb: WriteCallback | undefined;
}

/** One request's lane in the connection's output. */
export interface OutputLane {
  /** Output waiting for the socket, oldest first. */
  readonly queue: Pending[];
  queuedBytes: number;
  /** Called when the lane may write again after a write returned false. */
  onDrain: (() => void) | undefined;
}

/**
 * Writes the output of a connection's requests to its socket, fairly.
 *
 * FastCGI has no flow control of its own: the records of multiplexed requests share one byte
 * stream. While the socket keeps up, every write goes straight through, so the common case costs
 * nothing. Once the socket needs draining, each request's output waits in its own lane and, on
 * every 'drain', lanes are served round-robin one piece at a time: a request writing a large body
 * cannot starve the others, and each request feels backpressure on its own writes.
 */
export class OutputQueue {
  readonly #socket: Socket;
  readonly #laneHighWaterMark: number;
  /** Lanes with queued output, in round-robin order. */
  readonly #busy: OutputLane[] = [];
  #next = 0;
  /** Lanes whose last write returned false and that wait for onDrain. */
  readonly #waiting = new Set<OutputLane>();
  #closed = false;

  constructor(socket: Socket, laneHighWaterMark: number) {
    this.#socket = socket;
    this.#laneHighWaterMark = laneHighWaterMark;
    socket.on('drain', () => this.#flush());
  }

  /** A new lane for one request. */
  open(): OutputLane {
    return { queue: [], queuedBytes: 0, onDrain: undefined };
  }

  /** Retires a lane (request finished or aborted); output still queued is dropped. */
  close(lane: OutputLane): void {
    const i = this.#busy.indexOf(lane);
    if (i >= 0) {
      this.#busy.splice(i, 1);
      if (this.#next > i) this.#next--;
    }
    this.#waiting.delete(lane);
    const dropped = lane.queue.splice(0);
    lane.queuedBytes = 0;
    lane.onDrain = undefined;
    for (const p of dropped) p.cb?.(null);
  }

  /** The socket is gone: nothing more is written; queued callbacks are released. */
  destroy(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const lane of [...this.#busy]) this.close(lane);
    this.#waiting.clear();
  }

  /** True when the lane has nothing queued. */
  idle(lane: OutputLane): boolean {
    return lane.queue.length === 0;
  }

  /**
   * Writes `bufs` for `lane`, or queues them behind the lane's earlier output. Returns false when
   * the lane should wait for its `onDrain` before writing more. `cb` runs once the bytes were
   * handed to the socket, or were dropped because the connection or the lane closed.
   */
  write(lane: OutputLane, bufs: Buffer[], bytes: number, cb?: WriteCallback): boolean {
    if (this.#closed || this.#socket.destroyed) {
      if (cb) queueMicrotask(() => cb(null));
      return true;
    }
    if (lane.queue.length === 0 && !this.#socket.writableNeedDrain) {
      this.#writeNow(bufs, cb);
      if (!this.#socket.writableNeedDrain) return true;
      this.#waiting.add(lane);
      return false;
    }
    lane.queue.push({ bufs, bytes, cb });
    lane.queuedBytes += bytes;
    if (lane.queue.length === 1) this.#busy.push(lane);
    if (lane.queuedBytes >= this.#laneHighWaterMark || this.#socket.writableNeedDrain) {
      this.#waiting.add(lane);
      return false;
    }
    return true;
  }

  #writeNow(bufs: Buffer[], cb?: WriteCallback): void {
    const socket = this.#socket;
    if (bufs.length === 1) {
      socket.write(bufs[0] as Buffer, cb);
      return;
    }
    // One syscall for header, payload and padding pieces (writev under cork).
    socket.cork();
    for (let i = 0; i < bufs.length - 1; i++) socket.write(bufs[i] as Buffer);
    socket.write(bufs[bufs.length - 1] as Buffer, cb);
    socket.uncork();
  }

  /** On 'drain': serve lanes round-robin until the socket is full again or every lane is empty. */
  #flush(): void {
    while (!this.#closed && this.#busy.length > 0 && !this.#socket.writableNeedDrain) {
      if (this.#next >= this.#busy.length) this.#next = 0;
      const lane = this.#busy[this.#next] as OutputLane;
      const piece = lane.queue.shift() as Pending;
      lane.queuedBytes -= piece.bytes;
      this.#writeNow(piece.bufs, piece.cb);
      if (lane.queue.length === 0) this.#busy.splice(this.#next, 1);
      else this.#next++;
    }
    if (this.#closed || this.#socket.writableNeedDrain) return;
    for (const lane of [...this.#waiting]) {
      if (lane.queuedBytes >= this.#laneHighWaterMark) continue;
      this.#waiting.delete(lane);
      lane.onDrain?.();
    }
  }
}
