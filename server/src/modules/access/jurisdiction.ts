import type { Actor } from '../auth/actor';

/**
 * Jurisdiction (管辖范围): what part of the place tree a person may act on.
 * - admin: the subtree of their region (the whole tree when they have none: a region-wide administrator);
 * - dispatcher (社区/街道): the subtree of their region;
 * - grid worker (网格员): their grid;
 * - everyone else: only their own record (and, later, the orders and tasks that are theirs).
 * A record outside it is answered 404 (its existence is not leaked); an action the role may never do is 403.
 */
export type Jurisdiction = { kind: 'everything' } | { kind: 'subtree'; path: string; regionId: string } | { kind: 'none' };

const STAFF_ROLES = ['admin', 'dispatcher', 'grid_worker'] as const;

export function isStaff(actor: Actor): boolean {
  return actor.roles.some((r) => (STAFF_ROLES as readonly string[]).includes(r));
}

/** Computed from the actor as the auth hook loaded them (with their place): no query of its own. */
export function jurisdictionOf(actor: Actor): Jurisdiction {
  if (actor.roles.includes('admin') && actor.regionId === null) return { kind: 'everything' };
  if (!isStaff(actor) || actor.regionId === null || actor.regionPath === null) return { kind: 'none' };
  return { kind: 'subtree', path: actor.regionPath, regionId: actor.regionId };
}

/** True when the place with this path lies inside the jurisdiction. */
export function covers(j: Jurisdiction, path: string | null | undefined): boolean {
  if (j.kind === 'everything') return true;
  if (j.kind === 'none' || !path) return false;
  return path.startsWith(j.path);
}

/** SQL condition (on a region path column) for "inside the jurisdiction"; params are appended. */
export function pathCondition(j: Jurisdiction, column: string, params: unknown[]): string {
  if (j.kind === 'everything') return 'TRUE';
  if (j.kind === 'none') return 'FALSE';
  params.push(j.path);
  // a path is made of uuids and slashes: no LIKE wildcards can hide in it
  return `${column} LIKE $${params.length} || '%'`;
}
