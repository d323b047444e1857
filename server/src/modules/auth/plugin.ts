import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { UnauthorizedError } from '../../errors';
import { Coalescer, onPool } from '../../db/coalescer';
import type { User } from '../users/user.entity';
import { actorOf, notLoggedIn, type Actor } from './actor';
import { ActorRows, type ActorRow } from './actor-row';
import { actorsByIdStatement, findActorRows } from './auth.repo';

/** How long a login lasts. */
export const TOKEN_TTL_SECONDS = 7 * 24 * 3600;

export interface TokenClaims {
  /** The user's id. */
  sub: string;
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
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: TokenClaims;
  }
}

const INVALID_TOKEN = '登录已失效，请重新登录。';

/**
 * Bearer tokens: HS256 only (a token signed any other way, `alg: none` included, is refused), with an expiry.
 * A request without a token goes on as anonymous; a request with a bad one is refused at once with 401.
 */
async function auth(app: FastifyInstance): Promise<void> {
  await app.register(fastifyJwt, {
    secret: app.config.jwtSecret,
    sign: { algorithm: 'HS256', expiresIn: TOKEN_TTL_SECONDS },
    verify: { algorithms: ['HS256'] },
  });
  app.decorateRequest('actor', null);
  app.decorateRequest('tokenSubject', null);

  // Every authenticated request starts here, so it is one prepared statement (TypeORM's findOne with a relation
  // sends two queries, each planned anew), hydrated by the entities' own column lists. Concurrent requests' people
  // are read together (group reads, see Coalescer): under load, one statement serves many requests.
  const rows = new ActorRows(app.db);
  const actorStatement = actorsByIdStatement(rows);
  const actors = new Coalescer<string, ActorRow | undefined>(
    async (ids) => {
      const found = await findActorRows(app.db, actorStatement, ids);
      const byId = new Map(found.map((r) => [rows.idOf(r), r]));
      // one person's concurrent requests each get their own copy (its arrays may be changed by one of them)
      const served = new Set<string>();
      return ids.map((id) => {
        const row = byId.get(id);
        const value = row && served.has(id) ? structuredClone(row) : row;
        served.add(id);
        return { ok: true as const, value };
      });
    },
    onPool(app.config.dbPoolSize, 200),
  );
  const loadActorUser = async (id: string): Promise<User | undefined> => {
    const row = await actors.submit(id);
    return row ? rows.user(row) : undefined;
  };

  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (header === undefined) return;
    const match = /^Bearer ([\w-]+\.[\w-]+\.[\w-]*)$/.exec(header);
    if (!match) throw new UnauthorizedError(INVALID_TOKEN);
    let claims: TokenClaims;
    try {
      // the token found above, checked synchronously by the plugin's one verifier (HS256 only, expiry): what
      // request.jwtVerify() does, without decoding the token twice and going through callbacks on every request
      claims = app.jwt.verify<TokenClaims>(match[1]!);
    } catch {
      throw new UnauthorizedError(INVALID_TOKEN);
    }
    if (typeof claims.sub !== 'string' || !/^[0-9a-f-]{36}$/.test(claims.sub)) throw new UnauthorizedError(INVALID_TOKEN);
    request.tokenSubject = claims.sub;
    if (request.routeOptions.config.actorInHandler === true) return;
    // one query: the person and their place (whose path is their jurisdiction)
    const user = await loadActorUser(claims.sub);
    if (!user) throw new UnauthorizedError(INVALID_TOKEN);
    request.actor = actorOf(user);
  });

  app.decorate('loadActor', async (request: FastifyRequest): Promise<Actor> => {
    if (request.actor) return request.actor;
    if (request.tokenSubject === null) throw notLoggedIn();
    const user = await loadActorUser(request.tokenSubject);
    if (!user) throw new UnauthorizedError(INVALID_TOKEN);
    request.actor = actorOf(user);
    return request.actor;
  });
}

export default fp(auth, { name: 'auth', dependencies: ['core'], fastify: '5.x' });

/** Signs a token for a user. */
export function signToken(app: FastifyInstance, userId: string): string {
  return app.jwt.sign({ sub: userId });
}
