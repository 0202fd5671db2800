import { createHash } from 'node:crypto';
import { request } from 'node:http';

/** `size` deterministic bytes in 1 MiB pieces, and their digest, without holding them all. */
export function patternBody(size: number): { chunks: () => AsyncGenerator<Buffer>; sha256: string } {
  const piece = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < piece.length; i++) piece[i] = (i * 7 + (i >> 8)) & 0xff;
  const hash = createHash('sha256');
  for (let at = 0; at < size; at += piece.length) hash.update(piece.subarray(0, Math.min(piece.length, size - at)));
  return {
    sha256: hash.digest('hex'),
    async *chunks() {
      for (let at = 0; at < size; at += piece.length) yield piece.subarray(0, Math.min(piece.length, size - at));
    },
  };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function collect(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

/** A multipart/form-data body with one file field and one text field. */
export function multipart(file: Buffer, filename: string): { body: Buffer; contentType: string } {
  const boundary = `gwboundary${Date.now()}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="upload"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The result of one HTTP request made by `httpRequest`. */
export interface HttpResult {
  status: number;
  statusMessage: string;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  body: Buffer;
}

/** An HTTP/1.1 request to 127.0.0.1:port; `chunked` sends the body without Content-Length. */
export function httpRequest(
  port: number,
  path: string,
  init: { method?: string; body?: Buffer | AsyncIterable<Buffer>; headers?: Record<string, string>; chunked?: boolean } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.body instanceof Buffer && !init.chunked) headers['Content-Length'] = String(init.body.length);
    if (init.chunked) headers['Transfer-Encoding'] = 'chunked';
    const req = request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers }, async (res) => {
      try {
        const body = await collect(res);
        resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: res.headers, rawHeaders: res.rawHeaders, body });
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
    if (init.body === undefined) req.end();
    else if (init.body instanceof Buffer) req.end(init.body);
    else
      void (async () => {
        for await (const chunk of init.body as AsyncIterable<Buffer>) if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
        req.end();
      })();
  });
}
