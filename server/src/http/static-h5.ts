import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../errors';

/**
 * Serves the mini-program's H5 build at `/`, so the whole product runs in a browser from one server.
 * The H5 router is hash-based (`/#/pages/...`), so only real files are served; anything else falls through
 * to the JSON 404 of the error contract. index.html is never cached (it names the hashed bundles, which may be).
 */
export default async function staticH5(app: FastifyInstance, opts: { dir: string }): Promise<void> {
  if (!existsSync(path.join(opts.dir, 'index.html'))) {
    app.log.warn({ dir: opts.dir }, 'H5 build not found: run `pnpm --filter @bangbang/miniapp build:h5` (pnpm start does it)');
    app.get('/', async () => {
      throw new NotFoundError('网页版尚未构建：请运行 pnpm --filter @bangbang/miniapp build:h5 后刷新。');
    });
    return;
  }
  // The API's own paths are never files: a URL under /api/ that no route matched (an id over the router's length
  // limit, say) gets the contract's 404 here instead of reaching the files' wildcard, whose path check answers 403.
  app.route({ method: ['GET', 'HEAD'], url: '/api/*', schema: { hide: true }, handler: (_request, reply) => reply.callNotFound() });
  await app.register(fastifyStatic, {
    root: opts.dir,
    prefix: '/',
    index: ['index.html'],
    setHeaders(res, filePath) {
      if (filePath.endsWith('.html')) void res.header('cache-control', 'no-cache');
    },
  });
}
