/**
 * "The floor" of the gateways scenario: the least a Node process can do to answer uwsgi_pass — no
 * gw code, no node:http objects, no limits or validation. It reads the 4-byte uwsgi header and the
 * vars block, answers the shared listener's bytes (hello, or 64 KiB when the vars mention /64k) as
 * an HTTP/1.1 head plus body in one write, and ends the connection. What it costs per request is
 * what accepting, reading, writing and closing one connection costs in Node on this machine, which
 * no Node uwsgi server can go below. Not a server to deploy.
 */
import { createServer } from 'node:net';
import { serve } from './lifecycle.mjs';

const HELLO = Buffer.from('Hello, World!\n');
const BIG = Buffer.alloc(64 * 1024, 'x');
const headFor = (length) => Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${length}\r\n\r\n`, 'latin1');
const HELLO_RESPONSE = Buffer.concat([headFor(HELLO.length), HELLO]);
const BIG_HEAD = headFor(BIG.length);
const MARK = Buffer.from('/64k');

const server = createServer((socket) => {
  let got = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    got = got.length === 0 ? chunk : Buffer.concat([got, chunk]);
    if (got.length < 4 || got.length < 4 + got.readUInt16LE(1)) return; // header, then the vars block
    socket.removeAllListeners('data');
    const vars = got.subarray(4, 4 + got.readUInt16LE(1));
    if (vars.includes(MARK)) {
      socket.cork();
      socket.write(BIG_HEAD);
      socket.end(BIG);
      socket.uncork();
    } else {
      socket.end(HELLO_RESPONSE);
    }
  });
  socket.on('error', () => {});
});
serve(server);
