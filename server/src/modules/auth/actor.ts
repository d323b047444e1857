import type { Role } from '@bangbang/shared';
import type { FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../../errors';
import type { User } from '../users/user.entity';

/**
 * The contract between the auth hook (plugin.ts, which reads the person behind a token) and the routes (which ask
 * for them): who is asking, and the checks a route makes on them. Kept apart from the hook so that the row mapping
 * (actor-row.ts) and every module can use it without importing the hook, and the hook without a cycle.
 */

/** The person making the request, loaded fresh from the database (so role changes apply at once). */
export interface Actor {
  id: string;
  roles: Role[];
  regionId: string | null;
  /** The materialised path of their place: the root of their jurisdiction when they are staff. */
  regionPath: string | null;
  user: User;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request carries a valid token; routes call `requireActor`. */
    actor: Actor | null;
    /** The id in a valid token (set before the person is read). */
    tokenSubject: string | null;
    /** The session of a valid token (set with tokenSubject): what logout revokes. */
    tokenSession: TokenSession | null;
  }
}

/** A token's session: the person's token version it was signed at, its id (absent in old tokens), its expiry. */
export interface TokenSession {
  version: number;
  jti: string | null;
  expiresAt: Date;
}

/** The request's actor made of the person as read. */
export function actorOf(user: User): Actor {
  return { id: user.id, roles: user.roles, regionId: user.regionId, regionPath: user.region?.path ?? null, user };
}

/** 401 for a request without a login where one is needed. */
export function notLoggedIn(): UnauthorizedError {
  return new UnauthorizedError('请先登录。');
}

/** The logged-in person, or 401. */
export function requireActor(request: FastifyRequest): Actor {
  if (!request.actor) throw notLoggedIn();
  return request.actor;
}

/** 403 unless the person holds one of the roles. */
export function requireRole(actor: Actor, roles: readonly Role[], message = '您没有权限进行此操作。'): void {
  if (!actor.roles.some((r) => roles.includes(r))) throw new ForbiddenError(message);
}
