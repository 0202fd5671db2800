import { fileURLToPath } from 'node:url';
import type { NodeRequestListener } from '@gw/node-http';
import type { GatewayHandler } from './gateway-servers.js';

/**
 * One framework app of the differential test, built for a URL prefix: the same routes are
 * served directly by `http.createServer(direct)` (the reference) and by a gw server given
 * `gateway` behind a front end, and the answers must match.
 */
export interface DifferentialApp {
  /** e.g. "express". */
  readonly name: string;
  /** What the gw server is given: `createServer(listener)` or `createServer({ fetch })`. */
  readonly gateway: GatewayHandler;
  /** The same app as a node:http listener for the reference http.Server. */
  readonly direct: NodeRequestListener;
  /** Releases what the framework holds (Fastify's instance). */
  close(): Promise<void>;
}

/**
 * Builds a fresh app whose routes live under `base` (e.g. "/express-scgi", no trailing slash).
 * Every differential app implements these routes, each the framework's own way:
 *
 *   GET  /hello           JSON { hello, method, query }   (HEAD too)
 *   POST /json            JSON { got: parsed body }; invalid JSON → the framework's 400
 *   POST /form            JSON { got: parsed urlencoded body }
 *   POST /raw             JSON { length, sha256 } of the octet-stream body
 *   GET  /static/<file>   a file from STATIC_DIR (the framework's 404 for a missing one)
 *   GET  /file            STATIC_DIR/page.html, as res.sendFile would
 *   GET  /redirect        302 to <base>/hello
 *   GET  /cookies         three Set-Cookie fields
 *   GET  /boom            a handler that throws → the framework's error answer
 *   GET  /big             BIG_TEXT, gzip'd when Accept-Encoding allows it
 *   anything else         the framework's 404
 */
export type DifferentialAppFactory = (base: string) => Promise<DifferentialApp>;

/** The fixtures directory the static routes serve. */
export const STATIC_DIR = fileURLToPath(new URL('../apps/fixtures/static/', import.meta.url));

/** A compressible text body of a few KiB (deterministic, so both sides compress the same bytes). */
export const BIG_TEXT = Array.from({ length: 200 }, (_, i) => `line ${i}: the quick brown fox jumps over the lazy dog\n`).join('');
