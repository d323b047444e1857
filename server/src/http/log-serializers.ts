import { stdSerializers, type SerializedError } from 'pino';

/**
 * What the logs may say about a request and an error. Residents are vulnerable people: their phones and addresses
 * are never written to a log (issue 18). A URL's query string can carry a phone (`/users?q=138…`), so requests are
 * logged by path only; a database error carries the statement's parameters and PostgreSQL's `detail` (e.g.
 * "Key (phone)=(13800000005) already exists"), so those are dropped: the statement's text and the SQLSTATE remain.
 */

interface RequestLike {
  method?: string;
  url?: string;
  ip?: string;
  id?: unknown;
  socket?: { remotePort?: number };
}

function pathOnly(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  return q === -1 ? url : `${url.slice(0, q)}?…`;
}

/** Keys of an error (at any depth of its causes and driver errors) that may hold personal data. */
const PERSONAL = new Set(['parameters', 'detail', 'where']);

function scrub(value: unknown, depth = 0): unknown {
  if (depth > 4 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = PERSONAL.has(k) ? '[hidden]' : scrub(v, depth + 1);
  return out;
}

export const logSerializers = {
  req(req: RequestLike) {
    return { method: req.method, url: pathOnly(req.url), remoteAddress: req.ip, remotePort: req.socket?.remotePort };
  },
  err(err: Error): SerializedError {
    return scrub(stdSerializers.err(err)) as SerializedError;
  },
};
