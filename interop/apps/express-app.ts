import { createHash } from 'node:crypto';
import { join } from 'node:path';
import compression from 'compression';
import express, { type NextFunction, type Request, type Response } from 'express';
import { BIG_TEXT, type DifferentialApp, STATIC_DIR } from '../src/differential-app.js';

/**
 * An Express 5 app as people write them: compression middleware first, express.static,
 * json / urlencoded / raw body parsers, res.sendFile, res.cookie, res.redirect and an error
 * handler that answers errors (a thrown handler, a body parser's 400) as JSON.
 */
export async function createExpressApp(base: string): Promise<DifferentialApp> {
  const app = express();
  const router = express.Router();
  // gzip for compressible answers over 1 KiB when Accept-Encoding allows it (adds Vary).
  app.use(compression());
  router.use('/static', express.static(STATIC_DIR));
  router.get('/hello', (req, res) => {
    res.json({ hello: 'express', method: req.method, query: req.query });
  });
  router.post('/json', express.json(), (req, res) => {
    res.json({ got: req.body });
  });
  router.post('/form', express.urlencoded({ extended: false }), (req, res) => {
    res.json({ got: req.body });
  });
  router.post('/raw', express.raw({ type: 'application/octet-stream', limit: '20mb' }), (req, res) => {
    const body = req.body as Buffer;
    res.json({ length: body.length, sha256: createHash('sha256').update(body).digest('hex') });
  });
  router.get('/file', (_req, res, next) => {
    res.sendFile(join(STATIC_DIR, 'page.html'), (err) => (err ? next(err) : undefined));
  });
  router.get('/redirect', (_req, res) => res.redirect(`${base}/hello`));
  router.get('/cookies', (_req, res) => {
    res.cookie('session', 'abc123', { httpOnly: true });
    res.cookie('theme', 'dark', { path: base });
    res.cookie('lang', 'en');
    res.send('three cookies');
  });
  router.get('/boom', () => {
    throw new Error('boom');
  });
  router.get('/big', (_req, res) => {
    res.type('text/plain').send(BIG_TEXT);
  });
  app.use(base, router);
  app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    res.status(err.status ?? 500).json({ error: err.message });
  });
  return { name: 'express', gateway: app, direct: app, close: async () => {} };
}
