/**
 * Loopback harness for the SCGI server tests: a raw web-server-side client (bytes in, bytes out,
 * how the connection ended) and a server started with a minimal `handleRequest`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestExchange } from '@gw/core';
import { createServer, type ScgiRequest, type ScgiServer, type ScgiServerOptions } from '../src/index.js';

export { RawClient } from '@gw/test-utils';

/** The handler's side for one request: defaults that ignore everything. */
export type RawHandler = (request: ScgiRequest) => Partial<RequestExchange> | undefined;

export async function startServer(handler: RawHandler, options: ScgiServerOptions = {}): Promise<{ server: ScgiServer; port: number }> {
  const server = createServer({
    ...options,
    handleRequest: (request) => ({ pushBody: () => true, endBody: () => {}, drain: () => {}, abort: () => {}, ...handler(request) }),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

/** A CGI response: head + body in one write, ending the response. */
export function reply(request: ScgiRequest, body: string | Buffer, status = '200 OK'): void {
  request.write([Buffer.from(`Status: ${status}\r\nContent-Type: text/plain\r\n\r\n`, 'latin1'), Buffer.from(body)], true);
}

/** A handler that reads the whole body, then calls `onBody(body)`. */
export function readBody(onBody: (body: Buffer) => void): Partial<RequestExchange> {
  const parts: Buffer[] = [];
  return {
    pushBody: (chunk) => {
      parts.push(Buffer.from(chunk));
      return true;
    },
    endBody: () => onBody(Buffer.concat(parts)),
  };
}

export const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `predicate` every 10 ms until it holds; fails after `ms`. */
export async function until(predicate: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await wait(10);
  }
}

/** A fresh directory for unix sockets; `cleanup()` removes it. */
export function tempDir(): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'gw-scgi-'));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Closes the server, destroying whatever connections are left. */
export async function stopServer(server: ScgiServer | undefined): Promise<void> {
  if (server === undefined) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
