import type { Socket } from 'node:net';
import { RecordDecoder, RecordType, recordTypeName } from '@gw/fastcgi';

/**
 * Watches the FastCGI bytes of an app's connections in both directions, decoding copies with
 * the public record decoder, without changing what the server under test reads or writes:
 * counts what the web servers sent, and checks what the app sent back is well-formed.
 */
export class WireTap {
  /** Records received from the web servers, by spec type name (BEGIN_REQUEST, ABORT_REQUEST, GET_VALUES, …). */
  readonly records: Record<string, number> = {};
  /** Records the app sent, by type name (STDOUT, STDERR, END_REQUEST, GET_VALUES_RESULT, …). */
  readonly sent: Record<string, number> = {};
  /** Problems in what the app sent: malformed framing, output for a request it already ended or never got. */
  readonly outputErrors: string[] = [];
  /** Connections the peer half-closed (sent FIN) before the app closed its side. */
  peerEnded = 0;
  /** Connections that closed without a FIN from the peer while the app still had them open (reset, or destroyed). */
  peerReset = 0;
  /** Most BEGIN_REQUESTs seen on one connection. */
  maxRequestsOnOneConnection = 0;

  /** The count of one received record type. */
  count(typeName: string): number {
    return this.records[typeName] ?? 0;
  }

  attach(socket: Socket): void {
    let requests = 0;
    // Request ids begun by the peer and not yet ended by the app.
    const open = new Set<number>();
    const inbound = new RecordDecoder({
      onRecord: (header) => bump(this.records, recordTypeName(header.type)),
      onBeginRequest: (id) => {
        open.add(id);
        requests++;
        if (requests > this.maxRequestsOnOneConnection) this.maxRequestsOnOneConnection = requests;
      },
    });
    const outbound = new RecordDecoder({
      onRecord: (header) => {
        bump(this.sent, recordTypeName(header.type));
        const t = header.type;
        if ((t === RecordType.STDOUT || t === RecordType.STDERR || t === RecordType.END_REQUEST) && !open.has(header.requestId)) {
          this.outputErrors.push(`${recordTypeName(t)} for request ${header.requestId}, which is not open`);
        }
      },
      onEndRequest: (id) => open.delete(id),
      onError: (err) => this.outputErrors.push(`malformed output: ${err.code} ${err.message}`),
    });
    // First in line, so a request is seen begun before the server's own listener answers it.
    socket.prependListener('data', (chunk: Buffer) => inbound.push(chunk));
    // A copy of every write: the server writes whole buffers (cork + write for writev).
    const write = socket.write;
    socket.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
      if (Buffer.isBuffer(chunk)) outbound.push(chunk);
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof socket.write;

    let appEnded = false;
    let peerEnded = false;
    socket.on('finish', () => (appEnded = true));
    socket.on('end', () => {
      peerEnded = true;
      if (!appEnded) this.peerEnded++;
    });
    socket.on('close', (hadError: boolean) => {
      if (!peerEnded && (hadError || !appEnded)) this.peerReset++;
    });
  }
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
