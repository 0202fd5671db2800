import { createServer, type Server, type Socket } from 'node:net';
import { fcgiPair, fcgiRecord } from '@gw/test-utils';
import { afterEach } from 'vitest';
import { createClient, type FastCgiClient, type FastCgiClientOptions, RecordDecoder, RecordType, Role } from '../src/index.js';

/**
 * A scriptable FastCGI application for client tests: it decodes what the client sends (with the
 * codec's decoder) and answers with records built by hand (test-utils, not the encoders), so a
 * test can send exactly the bytes a misbehaving or unusual app would.
 */

/** One request as the fake app saw it. */
export interface SeenRequest {
  id: number;
  role: number;
  flags: number;
  params: Map<string, string>;
  stdin: Buffer;
  data: Buffer;
  /** Record types received for this request, in order (e.g. PARAMS, PARAMS, STDIN, STDIN). */
  types: number[];
  aborted: boolean;
  connection: FakeConnection;
}

/** One accepted connection. */
export interface FakeConnection {
  socket: Socket;
  index: number;
  requests: SeenRequest[];
  /** Every record header received: type and id. */
  records: { type: number; id: number; contentLength: number }[];
  send(...bufs: Buffer[]): void;
}

/** Called when a request's input is complete (STDIN end; PARAMS end for an Authorizer without body; DATA end for a Filter). */
export type FakeHandler = (request: SeenRequest, app: FakeApp) => void;

export class FakeApp {
  readonly server: Server;
  readonly connections: FakeConnection[] = [];
  port = 0;
  handler: FakeHandler;
  /** Answer for GET_VALUES: pairs, or null to ignore it (the connection stays open). */
  getValues: [string, string][] | null = null;
  /** Called at each BEGIN_REQUEST, before the request's params arrive. */
  onBegin: ((request: SeenRequest) => void) | null = null;
  /** Close a connection right after answering GET_VALUES (php-fpm does). */
  closeAfterGetValues = true;
  getValuesRequests = 0;

  constructor(handler: FakeHandler) {
    this.handler = handler;
    this.server = createServer((socket) => this.#accept(socket));
  }

  static async start(handler: FakeHandler): Promise<FakeApp> {
    const app = new FakeApp(handler);
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    app.port = address.port;
    return app;
  }

  /** Requests seen on every connection, in arrival order. */
  get requests(): SeenRequest[] {
    return this.connections.flatMap((c) => c.requests);
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    const connection: FakeConnection = {
      socket,
      index: this.connections.length,
      requests: [],
      records: [],
      send: (...bufs) => {
        if (!socket.destroyed) socket.write(Buffer.concat(bufs));
      },
    };
    this.connections.push(connection);
    const live = new Map<number, SeenRequest>();
    const decoder = new RecordDecoder({
      onRecord: (h) => {
        connection.records.push({ type: h.type, id: h.requestId, contentLength: h.contentLength });
        live.get(h.requestId)?.types.push(h.type);
      },
      onBeginRequest: (id, role, flags) => {
        const request: SeenRequest = { id, role, flags, params: new Map(), stdin: Buffer.alloc(0), data: Buffer.alloc(0), types: [], aborted: false, connection };
        live.set(id, request);
        connection.requests.push(request);
        this.onBegin?.(request);
      },
      onParams: (id, params) => {
        const request = live.get(id);
        if (request === undefined) return;
        for (const [n, v] of params) request.params.set(n, v);
        if (request.role === Role.AUTHORIZER && !request.params.has('CONTENT_LENGTH')) this.handler(request, this);
      },
      onStream: (id, type, chunk) => {
        const request = live.get(id);
        if (request === undefined) return;
        if (type === RecordType.STDIN) request.stdin = Buffer.concat([request.stdin, chunk]);
        if (type === RecordType.DATA) request.data = Buffer.concat([request.data, chunk]);
      },
      onStreamEnd: (id, type) => {
        const request = live.get(id);
        if (request === undefined) return;
        if (type === RecordType.STDIN && request.role !== Role.FILTER && !(request.role === Role.AUTHORIZER && !request.params.has('CONTENT_LENGTH'))) this.handler(request, this);
        if (type === RecordType.DATA && request.role === Role.FILTER) this.handler(request, this);
      },
      onAbortRequest: (id) => {
        const request = live.get(id);
        if (request !== undefined) request.aborted = true;
      },
      onGetValues: (names) => {
        this.getValuesRequests++;
        if (this.getValues === null) return;
        const asked = new Set(names.toArray().map(([n]) => n));
        const content = Buffer.concat(this.getValues.filter(([n]) => asked.has(n)).map(([n, v]) => fcgiPair(n, v)));
        connection.send(fcgiRecord(RecordType.GET_VALUES_RESULT, 0, content));
        if (this.closeAfterGetValues) socket.end();
      },
    });
    socket.on('data', (chunk) => decoder.push(chunk));
    socket.on('error', () => {});
  }
}

// ── reply builders (hand-made bytes) ─────────────────────────────────────────

export const stdout = (id: number, text: string | Buffer, padding = 0): Buffer => fcgiRecord(RecordType.STDOUT, id, text, padding);
export const stdoutEnd = (id: number): Buffer => fcgiRecord(RecordType.STDOUT, id);
export const stderr = (id: number, text: string): Buffer => fcgiRecord(RecordType.STDERR, id, text);
export const stderrEnd = (id: number): Buffer => fcgiRecord(RecordType.STDERR, id);

/** END_REQUEST with appStatus (u32 BE) and protocolStatus. */
export function endRequest(id: number, appStatus = 0, protocolStatus = 0, padding = 0): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(appStatus, 0);
  body[4] = protocolStatus;
  return fcgiRecord(RecordType.END_REQUEST, id, body, padding);
}

/** A whole simple response: STDOUT head + body, empty STDOUT, END_REQUEST. */
export function simpleResponse(id: number, body: string, head = 'Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n'): Buffer {
  return Buffer.concat([stdout(id, head + body), stdoutEnd(id), endRequest(id)]);
}

/** Reads a stream to the end. */
export async function collect(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

/** A client test's fixture: the fake app and the client of it that `setup` made for the current test. */
export interface FakeAppClient {
  app: FakeApp | undefined;
  client: FastCgiClient | undefined;
  /** Starts a FakeApp running `handler` and a client of it (no probe unless the options ask). */
  setup(handler: FakeHandler, options?: Partial<FastCgiClientOptions>): Promise<FastCgiClient>;
}

/** Registers the fixture's cleanup (client, then app closed after each test) and returns it. */
export function useFakeAppClient(): FakeAppClient {
  const fixture: FakeAppClient = {
    app: undefined,
    client: undefined,
    async setup(handler, options = {}) {
      fixture.app = await FakeApp.start(handler);
      fixture.client = createClient({ port: fixture.app.port, probe: false, ...options } as FastCgiClientOptions);
      return fixture.client;
    },
  };
  afterEach(async () => {
    await fixture.client?.close();
    await fixture.app?.close();
    fixture.client = undefined;
    fixture.app = undefined;
  });
  return fixture;
}
