import { randomUUID } from 'node:crypto';
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { UnauthorizedError } from '../../errors';
import { Coalescer, onPool } from '../../db/coalescer';
import type { User } from '../users/user.entity';
import { actorOf, notLoggedIn, type Actor, type TokenSession } from './actor';
import { ActorRows, type ActorRow } from './actor-row';
import { actorsByIdStatement, findActorRows, revokedIn } from './auth.repo';

/** How long a login lasts. */
export const TOKEN_TTL_SECONDS = 7 * 24 * 3600;

export interface TokenClaims {
  /** The user's id. */
  sub: string;
  /** The person's token version when it was signed (app_user.token_version); absent in tokens older than it: 0. */
  ver?: number;
  /** The token's own id, random: logout of one token puts it on the denylist (revoked_token). */
  jti?: string;
  /** Seconds since the epoch; every token has one (a token without is refused). */
  exp?: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route reads the person itself (together with its own work, in one statement) or calls `app.loadActor`:
     * the hook checks the token and leaves `actor` unset. 401 for a person who no longer exists then comes from the
     * route, after the body's validation.
     */
    actorInHandler?: boolean;
  }
  interface FastifyInstance {
    /** The request's person, read now if the hook left it to the route (see `actorInHandler`); 401 without one. */
    loadActor(request: FastifyRequest): Promise<Actor>;
    /**
     * The person behind a bare token (not a request's header: the live channel's first message), with every check
     * the request hook makes — HS256 signature, expiry, the person's token version, the denylist; undefined when
     * any fails or the person is gone.
     */
    actorOfToken(token: string): Promise<{ actor: Actor; session: TokenSession } | undefined>;
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: TokenClaims;
  }
}

const INVALID_TOKEN = '登录已失效，请重新登录。';
const TOKEN = /^[\w-]+\.[\w-]+\.[\w-]*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A token's session as its claims say: its version and id; undefined when they are malformed. */
function sessionOf(claims: TokenClaims): TokenSession | undefined {
  const version = claims.ver ?? 0;
  if (!Number.isSafeInteger(version) || version < 0) return undefined;
  const jti = claims.jti ?? null;
  if (jti !== null && (typeof jti !== 'string' || !UUID.test(jti))) return undefined;
  if (typeof claims.exp !== 'number') return undefined;
  return { version, jti, expiresAt: new Date(claims.exp * 1000) };
}

function splitKey(key: string): { id: string; jti: string } {
  const slash = key.indexOf('/');
  return { id: key.slice(0, slash), jti: key.slice(slash + 1) };
}

/**
 * Bearer tokens: HS256 only (a token signed any other way, `alg: none` included, is refused), with an expiry.
 * A request without a token goes on as anonymous; a request with a bad one is refused at once with 401.
 */
async function auth(app: FastifyInstance): Promise<void> {
  await app.register(fastifyJwt, {
    secret: app.config.jwtSecret,
    sign: { algorithm: 'HS256', expiresIn: TOKEN_TTL_SECONDS },
    // a token that never expires could not be ended by time: refused, whoever signed it
    verify: { algorithms: ['HS256'], requiredClaims: ['exp'] },
  });
  app.decorateRequest('actor', null);
  app.decorateRequest('tokenSubject', null);
  app.decorateRequest('tokenSession', null);

  // Every authenticated request starts here, so it is one prepared statement (TypeORM's findOne with a relation
  // sends two queries, each planned anew), hydrated by the entities' own column lists. Concurrent requests' people
  // are read together (group reads, see Coalescer): under load, one statement serves many requests.
  const rows = new ActorRows(app.db);
  const actorStatement = actorsByIdStatement(rows);
  // keyed by person and token id: the statement answers the person and which of the tokens' ids were revoked
  const actors = new Coalescer<string, ActorRow | undefined>(
    async (keys) => {
      const asked = keys.map(splitKey);
      const found = await findActorRows(
        app.db,
        actorStatement,
        asked.map((k) => k.id),
        asked.flatMap((k) => (k.jti === '' ? [] : [k.jti])),
      );
      const byId = new Map(found.map((r) => [rows.idOf(r), r]));
      // one person's concurrent requests each get their own copy (its arrays may be changed by one of them)
      const served = new Set<string>();
      return asked.map(({ id }) => {
        const row = byId.get(id);
        const value = row && served.has(id) ? structuredClone(row) : row;
        served.add(id);
        return { ok: true as const, value };
      });
    },
    onPool(app.config.dbPoolSize, 200),
  );
  /** The person behind a token, or undefined when there is none or the token's session has ended. */
  const loadActorUser = async (id: string, session: TokenSession): Promise<User | undefined> => {
    const row = await actors.submit(`${id}/${session.jti ?? ''}`);
    if (!row) return undefined;
    if (session.jti !== null && revokedIn(row).includes(session.jti)) return undefined;
    const user = rows.user(row);
    return user.tokenVersion === session.version ? user : undefined;
  };

  /** A token's person id and session when its signature, expiry and claims are valid (no database yet). */
  const verifyToken = (token: string): { sub: string; session: TokenSession } | undefined => {
    let claims: TokenClaims;
    try {
      // checked synchronously by the plugin's one verifier (HS256 only, expiry): what request.jwtVerify() does,
      // without decoding the token twice and going through callbacks on every request
      claims = app.jwt.verify<TokenClaims>(token);
    } catch {
      return undefined;
    }
    if (typeof claims.sub !== 'string' || !UUID.test(claims.sub)) return undefined;
    const session = sessionOf(claims);
    return session ? { sub: claims.sub, session } : undefined;
  };

  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (header === undefined) return;
    const match = /^Bearer ([\w-]+\.[\w-]+\.[\w-]*)$/.exec(header);
    if (!match) throw new UnauthorizedError(INVALID_TOKEN);
    const verified = verifyToken(match[1]!);
    if (!verified) throw new UnauthorizedError(INVALID_TOKEN);
    const { sub, session } = verified;
    request.tokenSubject = sub;
    request.tokenSession = session;
    if (request.routeOptions.config.actorInHandler === true) return;
    // one query: the person, their place (whose path is their jurisdiction), and whether this token was revoked
    const user = await loadActorUser(sub, session);
    if (!user) throw new UnauthorizedError(INVALID_TOKEN);
    request.actor = actorOf(user);
  });

  app.decorate('actorOfToken', async (token: string): Promise<{ actor: Actor; session: TokenSession } | undefined> => {
    if (!TOKEN.test(token)) return undefined;
    const verified = verifyToken(token);
    if (!verified) return undefined;
    const user = await loadActorUser(verified.sub, verified.session);
    return user ? { actor: actorOf(user), session: verified.session } : undefined;
  });

  app.decorate('loadActor', async (request: FastifyRequest): Promise<Actor> => {
    if (request.actor) return request.actor;
    if (request.tokenSubject === null || request.tokenSession === null) throw notLoggedIn();
    const user = await loadActorUser(request.tokenSubject, request.tokenSession);
    if (!user) throw new UnauthorizedError(INVALID_TOKEN);
    request.actor = actorOf(user);
    return request.actor;
  });
}

export default fp(auth, { name: 'auth', dependencies: ['core'], fastify: '5.x' });

/** Signs a token for a person at their current token version, with a fresh id. */
export function signToken(app: FastifyInstance, user: { id: string; tokenVersion: number }): string {
  return app.jwt.sign({ sub: user.id, ver: user.tokenVersion, jti: randomUUID() });
}
