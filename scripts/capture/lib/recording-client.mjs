// The client half of a "to-server" capture: it writes a request to an application server and
// records every byte the server answers until the server closes the connection.

import net from 'node:net';

/**
 * Connects to `target` (unix socket path or TCP port on 127.0.0.1), writes `request`, and resolves
 * with `{ bytes, closedByPeer }` once the peer closes or `idleMs` pass without data after the
 * first byte (a keep-alive peer never closes).
 */
export function recordExchange(target, request, { idleMs = 1500, timeoutMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = typeof target === 'number' ? net.connect(target, '127.0.0.1') : net.connect(target);
    const chunks = [];
    let idle;
    const finish = (closedByPeer) => {
      clearTimeout(idle);
      clearTimeout(overall);
      socket.destroy();
      resolve({ bytes: Buffer.concat(chunks), closedByPeer });
    };
    const overall = setTimeout(() => finish(false), timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      clearTimeout(idle);
      idle = setTimeout(() => finish(false), idleMs);
    });
    socket.on('end', () => finish(true));
    socket.on('error', (err) => {
      clearTimeout(idle);
      clearTimeout(overall);
      if (chunks.length > 0) resolve({ bytes: Buffer.concat(chunks), closedByPeer: true, error: err.code });
      else reject(err);
    });
  });
}
