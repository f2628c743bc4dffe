/**
 * The web UI: the static files of `ui/dist` (built by scripts/build-ui.mjs) at `/`, and index.html for every
 * other page a browser asks for (deep links such as /namespaces/default/workflows/<id>/<runId>); the UI routes
 * in the browser. Hashed assets are cached for good; index.html is always revalidated.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** `ui/dist` of the package, or undefined when it was not built. This file runs from src/ (tests) or dist/. */
export function findUiDist(): string | undefined {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const dir = path.join(root, 'ui', 'dist');
  return existsSync(path.join(dir, 'index.html')) ? dir : undefined;
}

export async function registerWebUi(app: FastifyInstance, dir: string): Promise<void> {
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    cacheControl: false,
    schemaHide: true,
    setHeaders(reply, file) {
      const immutable = file.includes(`${path.sep}assets${path.sep}`);
      reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}

/** A browser navigating to a page (not an API call, not a script or image): answered with index.html. */
export function isPageRequest(req: FastifyRequest): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const p = req.url.split('?')[0] ?? '';
  if (p.startsWith('/api/') || p === '/healthz' || p === '/metrics' || p.startsWith('/assets/')) return false;
  return (req.headers.accept ?? '').includes('text/html');
}

export function sendIndexHtml(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html');
}
