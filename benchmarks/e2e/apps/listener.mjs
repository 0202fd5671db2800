/**
 * The request listener every upstream serves: a plain node:http `(req, res)` listener, the same
 * function object for gw, node:http and node-fastcgi (the bare responder mimics its bytes).
 *
 * `/64k` answers a 64 KiB body, anything else the 14-byte hello world. Content-Length is set
 * explicitly so every upstream sends the same head and nginx never has to chunk.
 */
export const HELLO = 'Hello, World!\n';
export const BIG = Buffer.alloc(64 * 1024, 'x');
const HELLO_LENGTH = String(Buffer.byteLength(HELLO));
const BIG_LENGTH = String(BIG.length);

/** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
export function listener(req, res) {
  const big = req.url === '/64k';
  res.setHeader('Content-Type', 'text/plain');
  res.setHeader('Content-Length', big ? BIG_LENGTH : HELLO_LENGTH);
  res.end(big ? BIG : HELLO);
}
