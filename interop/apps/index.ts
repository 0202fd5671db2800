// The framework apps of the differential test, by name (the name is part of each mount's URL prefix).
import type { DifferentialAppFactory } from '../src/differential-app.js';
import { createExpressApp } from './express-app.js';
import { createFastifyApp } from './fastify-app.js';
import { createHonoFetchApp, createHonoNodeServerApp } from './hono-app.js';
import { createKoaApp } from './koa-app.js';

/** Every differential app factory. */
export const DIFFERENTIAL_APPS: Readonly<Record<string, DifferentialAppFactory>> = {
  express: createExpressApp,
  koa: createKoaApp,
  fastify: createFastifyApp,
  'hono-fetch': createHonoFetchApp,
  'hono-node-server': createHonoNodeServerApp,
};
