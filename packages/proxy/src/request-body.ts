import type { IncomingMessage } from 'node:http';
import { ProxyError, ProxyErrorCode } from './errors.js';

/** The body to forward and the CONTENT_LENGTH param that goes with it. */
export interface ForwardedBody {
  body: IncomingMessage | Buffer | undefined;
  /** Decimal length, or '' for a request without a body (nginx sends ''). */
  contentLength: string;
}

/**
 * Decides how the request body travels. With a Content-Length the request streams straight
 * through (backpressured by the upstream connection). A body without one (chunked) is buffered
 * first, up to `maxBuffered` bytes, as nginx does by default: CGI needs CONTENT_LENGTH, and
 * php-fpm reads no body without it (protocols.md §4.3). Without either header there is no body.
 *
 * Returns the answer at once, or a promise when a chunked body must be read first (so the usual
 * request costs no promise).
 *
 * @throws ProxyError `PROXY_ERR_BODY_TOO_LARGE` (413, as a rejection) when a chunked body exceeds `maxBuffered`
 */
export function forwardedBody(req: IncomingMessage, maxBuffered: number): ForwardedBody | Promise<ForwardedBody> {
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    // node's parser has validated it and will deliver exactly that many bytes.
    return { body: declared === '0' ? undefined : req, contentLength: declared };
  }
  if (req.headers['transfer-encoding'] === undefined) return NO_BODY;
  return bufferedBody(req, maxBuffered);
}

const NO_BODY: ForwardedBody = Object.freeze({ body: undefined, contentLength: '' });

async function bufferedBody(req: IncomingMessage, maxBuffered: number): Promise<ForwardedBody> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > maxBuffered) throw new ProxyError(ProxyErrorCode.BODY_TOO_LARGE, `chunked request body larger than ${maxBuffered} bytes`, 413);
    chunks.push(chunk);
  }
  return { body: Buffer.concat(chunks, length), contentLength: String(length) };
}
