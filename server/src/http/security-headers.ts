import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_PREFIX } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Security headers on every answer (helmet): a Content-Security-Policy the H5 build passes, no framing by
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

/**
 * The headers helmet sets with these options, computed once by running its middleware on a response that only
 * records them. Our options have no per-request parts (no nonces, no functions), so every answer gets the same
 * headers: @fastify/helmet instead builds a new helmet middleware — options checked, the policy string joined —
 * for every request, which cost the order-creation hot path 0.04 ms of CPU per order (bench:orders, issue 18).
 */
export function helmetHeaders(options: HelmetOptions): Array<[string, string]> {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.set(name, Array.isArray(value) ? value.join(', ') : String(value));
      return recorder;
    },
    removeHeader(name: string) {
      headers.delete(name);
    },
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  return [...headers];
}

async function securityHeaders(app: FastifyInstance): Promise<void> {
  const indexFile = path.join(app.config.h5Dir, 'index.html');
  // The hashes of the served page's inline scripts, read once at start (the start command builds the page before
  // the server starts; a page rebuilt under a running server needs a restart).
  let hashes: string[] = [];
  try {
    hashes = inlineScriptHashes(readFileSync(indexFile, 'utf8'));
  } catch {
    // no H5 build: there is no page to allow scripts for
  }
  const page = Object.fromEntries(
    helmetHeaders({
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
    }),
  );
  // The API's answers (JSON, and the photos) are no page to render: the strictest policy, and only the headers that
  // mean something for them — the document-only ones (opener policy, origin agent cluster, DNS prefetch, the old IE
  // and Flash ones) would add half a kilobyte to every answer of the hot path for nothing.
  const api = Object.fromEntries(
    helmetHeaders({
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      crossOriginOpenerPolicy: false,
      originAgentCluster: false,
      xDnsPrefetchControl: false,
      xDownloadOptions: false,
      xPermittedCrossDomainPolicies: false,
      xXssProtection: false,
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  // Through Fastify's reply, before any handler (an error answer has them too). Not with reply.raw.setHeader as
  // helmet does: a header set on the raw response makes Node merge every other header of the answer one by one
  // at writeHead (validated and stored twice).
  const apiPrefix = `${API_PREFIX}/`;
  app.addHook('onRequest', (request, reply, done) => {
    void reply.headers(request.url.startsWith(apiPrefix) ? api : page);
    done();
  });
}

export default fp(securityHeaders, { name: 'security-headers', dependencies: ['core'], fastify: '5.x' });
