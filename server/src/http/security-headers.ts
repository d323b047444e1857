import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Security headers on every answer (@fastify/helmet): a Content-Security-Policy the H5 build passes, no framing by
 * other sites (`frame-ancestors 'none'`, X-Frame-Options), `X-Content-Type-Options: nosniff`, no referrer to other
 * sites, HSTS (browsers honour it over HTTPS only).
 *
 * The policy, for the page the server serves at `/` (Taro H5: scripts, styles and images from this origin, the API
 * on this origin):
 * - script-src 'self' and the hash of each inline script of the served index.html (Taro's rem script), computed from
 *   the file itself, so a rebuild that changes it needs no edit here. No 'unsafe-inline', no 'unsafe-eval'.
 * - style-src 'self' 'unsafe-inline': Taro's H5 components (Stencil) inject <style> elements and NutUI sets style
 *   attributes; inline CSS cannot run code.
 * - img-src / font-src 'self' data: blob: — NutUI's icons and inline images are data: URLs, a chosen photo is shown
 *   from a blob: URL before it is uploaded; connect-src 'self' blob: — the API, and the upload reading that blob.
 * - nothing from another origin at all (PITFALLS: NutUI's default images on an outside CDN are replaced by local ones).
 * - no upgrade-insecure-requests: the server is also reached over plain HTTP on a LAN or 127.0.0.1.
 */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const match of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)) {
    const body = match[1] ?? '';
    if (body.trim() === '') continue;
    hashes.push(`'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
  }
  return hashes;
}

async function securityHeaders(app: FastifyInstance): Promise<void> {
  const indexFile = path.join(app.config.h5Dir, 'index.html');
  // The hashes of the served page's inline scripts, read once at start (the start command builds the page before
  // the server starts; a page rebuilt under a running server needs a restart). A policy with a function in it is
  // recomputed by helmet for every answer: with a stat() of index.html each time that cost the order-creation hot
  // path about 0.1 ms of CPU per order (bench:orders, 0.26 → 0.37-0.41 ms); a fixed policy is built once.
  let hashes: string[] = [];
  try {
    hashes = inlineScriptHashes(readFileSync(indexFile, 'utf8'));
  } catch {
    // no H5 build: there is no page to allow scripts for
  }
  await app.register(fastifyHelmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...hashes],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'", 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        workerSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
  });
}

export default fp(securityHeaders, { name: 'security-headers', dependencies: ['core'], fastify: '5.x' });
