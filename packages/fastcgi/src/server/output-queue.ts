import type { Socket } from 'node:net';

type WriteCallback = (err?: Error | null) => void;

/** A queued piece of one request's output, with what to run once it reaches the socket. */
interface Pending {
  bufs: Buffer[];
  bytes: number;
  /** The lane's last piece: {@link OutputLane.finalWritten} runs once it is handed to the socket. */
  final: boolean;
  cb: WriteCallback | undefined;
}

/**
 * One request's lane in the connection's output. A FastCGI request is its own lane (no separate
 * object, queue or closures per request on the hot path): the queue is only made when the socket
 * is behind.
 */
export interface OutputLane {
  /** Output waiting for the socket, oldest first; null while nothing ever had to wait. */
  laneQueue: Pending[] | null;
  laneQueuedBytes: number;
  /** Called when the lane may write again after a write returned false. */
  laneDrained(): void;
  /** Called once the lane's final piece was handed to the socket, or dropped with the connection. */
  finalWritten(): void;
}

/**
 * Writes the output of a connection's requests to its socket, fairly.
 *
 * FastCGI has no flow control of its own: the records of multiplexed requests share one byte
 * stream. While the socket keeps up, every write goes straight through, so the common case costs
 * nothing. Once the socket needs draining, each request's output waits in its own lane and, on
 * every 'drain', lanes are served round-robin one piece at a time: a request writing a large body
 * cannot starve the others, and each request feels backpressure on its own writes.
 *
 * "Handed to the socket" is the moment `socket.write()` accepted the bytes: the socket keeps them
 * in order from then on, so a request may be reported written right away — without a write
 * callback per response, which costs node a closure and a tick.
 */
export class OutputQueue {
  readonly #socket: Socket;
  readonly #laneHighWaterMark: number;
  /** Lanes with queued output, in round-robin order; made when output first has to wait. */
  #busy: OutputLane[] | null = null;
  #next = 0;
  /** Lanes whose last write returned false and that wait for laneDrained; made on first use. */
  #waiting: Set<OutputLane> | null = null;
  #closed = false;
  /** The 'drain' listener is added the first time output has to wait (most connections never do). */
  #listening = false;

  constructor(socket: Socket, laneHighWaterMark: number) {
    this.#socket = socket;
    this.#laneHighWaterMark = laneHighWaterMark;
  }

  /** Retires a lane (request finished or aborted); output still queued is dropped. */
  close(lane: OutputLane): void {
    this.#waiting?.delete(lane);
    const queue = lane.laneQueue;
    if (queue === null || queue.length === 0) return;
    const busy = this.#busy as OutputLane[];
    const i = busy.indexOf(lane);
    if (i >= 0) {
      busy.splice(i, 1);
      if (this.#next > i) this.#next--;
    }
    const dropped = queue.splice(0);
    lane.laneQueuedBytes = 0;
    for (const p of dropped) settle(lane, p.final, p.cb);
  }

  /** The socket is gone: nothing more is written; queued callbacks are released. */
  destroy(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#busy !== null) for (const lane of [...this.#busy]) this.close(lane);
    this.#waiting?.clear();
  }

  /** True when the lane has nothing queued. */
  idle(lane: OutputLane): boolean {
    return lane.laneQueue === null || lane.laneQueue.length === 0;
  }

  /**
   * Writes `bufs` for `lane`, or queues them behind the lane's earlier output. Returns false when
   * the lane should wait for `laneDrained` before writing more. When `final`, the lane's
   * `finalWritten` runs once the bytes were handed to the socket (synchronously when they go
   * straight through) or dropped because the connection or the lane closed; `cb` likewise.
   */
  write(lane: OutputLane, bufs: Buffer[], bytes: number, final = false, cb?: WriteCallback): boolean {
    if (this.#closed || this.#socket.destroyed) {
      if (final || cb) queueMicrotask(() => settle(lane, final, cb));
      return true;
    }
    const queue = lane.laneQueue;
    if ((queue === null || queue.length === 0) && !this.#socket.writableNeedDrain) {
      this.#writeNow(bufs);
      settle(lane, final, cb);
      if (!this.#socket.writableNeedDrain) return true;
      // A write over the high-water mark sets writableNeedDrain even when the kernel took every
      // byte at once. For a lane's last write that did go out whole (the usual 64 KiB response)
      // there is nothing to wait for: no 'drain' round trip, and the response finishes now, as a
      // node:http response whose socket write completed at once.
      if (final && this.#socket.writableLength === 0) return true;
      this.#listen();
      (this.#waiting ??= new Set()).add(lane);
      return false;
    }
    // Queued output always waits for a 'drain' (listening already, unless this is the first time).
    this.#listen();
    (lane.laneQueue ??= []).push({ bufs, bytes, final, cb });
    lane.laneQueuedBytes += bytes;
    if (lane.laneQueue.length === 1) (this.#busy ??= []).push(lane);
    if (lane.laneQueuedBytes >= this.#laneHighWaterMark || this.#socket.writableNeedDrain) {
      (this.#waiting ??= new Set()).add(lane);
      return false;
    }
    return true;
  }

  #writeNow(bufs: Buffer[]): void {
    const socket = this.#socket;
    if (bufs.length === 1) {
      socket.write(bufs[0] as Buffer);
      return;
    }
    // One syscall for header, payload and padding pieces (writev under cork).
    socket.cork();
    for (let i = 0; i < bufs.length; i++) socket.write(bufs[i] as Buffer);
    socket.uncork();
  }

  /** Adds the 'drain' listener once: before the socket can emit the 'drain' we wait for. */
  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    this.#socket.on('drain', () => this.#flush());
  }

  /** On 'drain': serve lanes round-robin until the socket is full again or every lane is empty. */
  #flush(): void {
    const busy = this.#busy;
    while (!this.#closed && busy !== null && busy.length > 0 && !this.#socket.writableNeedDrain) {
      if (this.#next >= busy.length) this.#next = 0;
      const lane = busy[this.#next] as OutputLane;
      const queue = lane.laneQueue as Pending[];
      const piece = queue.shift() as Pending;
      lane.laneQueuedBytes -= piece.bytes;
      this.#writeNow(piece.bufs);
      if (queue.length === 0) busy.splice(this.#next, 1);
      else this.#next++;
      settle(lane, piece.final, piece.cb);
    }
    const waiting = this.#waiting;
    if (this.#closed || this.#socket.writableNeedDrain || waiting === null || waiting.size === 0) return;
    for (const lane of [...waiting]) {
      if (lane.laneQueuedBytes >= this.#laneHighWaterMark) continue;
      waiting.delete(lane);
      lane.laneDrained();
    }
  }
}

function settle(lane: OutputLane, final: boolean, cb: WriteCallback | undefined): void {
  cb?.(null);
  if (final) lane.finalWritten();
}
