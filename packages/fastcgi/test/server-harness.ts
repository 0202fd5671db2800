import { connect, type Socket } from 'node:net';
import type { ParamList } from '@gw/core';
import { RecordDecoder } from '../src/index.js';
import type { RequestExchange } from '@gw/core';
import { createServer, type FastCgiRequest, type FastCgiServer, type FastCgiServerOptions } from '../src/server/index.js';

/** One request's response as seen by a web server. */
export interface Answer {
  stdout: Buffer;
  stderr: Buffer;
  end: { appStatus: number; protocolStatus: number } | null;
}

/** A raw web-server-side peer: writes bytes, decodes what the app answers. */
export class Peer {
  readonly socket: Socket;
  readonly answers = new Map<number, Answer>();
  readonly management: { type: string; pairs?: [string, string][]; unknownType?: number }[] = [];
  closed: Promise<void>;
  #waiters: (() => void)[] = [];

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    const answer = (id: number) => {
      let a = this.answers.get(id);
      if (!a) this.answers.set(id, (a = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), end: null }));
      return a;
    };
    const decoder = new RecordDecoder({
      onStream: (id, type, chunk) => {
        const a = answer(id);
        if (type === 6) a.stdout = Buffer.concat([a.stdout, chunk]);
        if (type === 7) a.stderr = Buffer.concat([a.stderr, chunk]);
      },
      onEndRequest: (id, appStatus, protocolStatus) => {
        answer(id).end = { appStatus, protocolStatus };
        this.#wake();
      },
      onGetValuesResult: (p) => {
        this.management.push({ type: 'GET_VALUES_RESULT', pairs: p.toArray() });
        this.#wake();
      },
      onUnknownType: (t) => {
        this.management.push({ type: 'UNKNOWN_TYPE', unknownType: t });
        this.#wake();
      },
    });
    this.socket.on('data', (c) => decoder.push(c));
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) => this.socket.on('close', () => { this.#wake(); resolve(); }));
  }

  send(...bufs: Buffer[]): void {
    this.socket.write(Buffer.concat(bufs));
  }

  /** Resolves when `predicate` holds (checked after every END_REQUEST / management reply / close). */
  async until(predicate: () => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the application');
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  ended(id: number): boolean {
    return this.answers.get(id)?.end != null;
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}

/** A minimal handler: answers "Status: 200 OK" with the body it read, or a fixed text. */
export type RawHandler = (request: FastCgiRequest, params: ParamList) => Partial<RequestExchange> | undefined;

export async function startServer(handler: RawHandler, options: FastCgiServerOptions = {}): Promise<{ server: FastCgiServer; port: number }> {
  const server = createServer({
    ...options,
    handleRequest: (request) => {
      const ex = handler(request, request.params as ParamList) ?? {};
      return { pushBody: () => true, endBody: () => {}, drain: () => {}, abort: () => {}, ...ex };
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

/** Reply helper: writes a CGI head and body, ends the request. */
export function reply(request: FastCgiRequest, body: string | Buffer, status = '200 OK'): void {
  request.write([Buffer.from(`Status: ${status}\r\nContent-Type: text/plain\r\n\r\n`), Buffer.from(body)], true);
}
