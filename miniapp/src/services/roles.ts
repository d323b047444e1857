import type { Role } from '@bangbang/shared';

/**
 * Who works where in the app: pure (no Taro), so the tests import it as it is.
 * Each role has one home page; the pages of a role live in that role's WeChat subpackage.
 */

// the role names are the shared ones (the server's messages and the import templates say the same words)
export { ROLE_NAMES } from '@bangbang/shared';

export const LOGIN_PAGE = '/pages/index/index';
export const ME_PAGE = '/pages/me/index';
/** 加入: a first-time person binds a phone, picks their place, says their name and address. */
export const JOIN_PAGE = '/pages/join/index';

export const HOME_BY_ROLE: Record<Role, string> = {
  resident: '/pages/resident/home/index',
  volunteer: '/pages/volunteer/hall/index',
  grid_worker: '/pages/dispatch/board/index',
  dispatcher: '/pages/dispatch/board/index',
  admin: '/pages/dispatch/board/index',
};

export function homePathOf(role: Role): string {
  return HOME_BY_ROLE[role];
}

/**
 * The workspace a person lands in when they have not picked one: the one with the most responsibility, since a
 * grid worker who is also a resident opens the app to work far more often than to order for themself.
 */
const PRIORITY: readonly Role[] = ['admin', 'dispatcher', 'grid_worker', 'volunteer', 'resident'];

/**
 * The role to act in: the remembered one if the person still holds it (roles change: a volunteer may be made a
 * grid worker), otherwise the default above. A person with no role at all acts as a resident (first login).
 */
export function pickRole(roles: readonly Role[], remembered: string | undefined): Role {
  const held = roles.find((r) => r === remembered);
  if (held !== undefined) return held;
  return PRIORITY.find((r) => roles.includes(r)) ?? 'resident';
}

/** Staff workspaces (派单): the board, candidates, proxy ordering, statistics. */
export function isStaffRole(role: Role): boolean {
  return role === 'grid_worker' || role === 'dispatcher' || role === 'admin';
}

/** Roles that take tasks (接单): they have the task hall and an on/off duty switch. */
export function servesTasks(roles: readonly Role[]): boolean {
  return roles.includes('volunteer') || roles.includes('grid_worker');
}

const STAFF: readonly Role[] = ['grid_worker', 'dispatcher', 'admin'];

/**
 * Whether a logged-in person must first go through joining (加入): no phone yet, or no place yet (they cannot order
 * without one). Staff never are: their place is set by whoever registered them (a city-wide admin has none).
 */
export function needsJoining(user: { roles: readonly Role[]; phone: string | null; regionId: string | null } | undefined): boolean {
  if (user === undefined || user.roles.some((r) => STAFF.includes(r))) return false;
  return user.phone === null || user.regionId === null;
}
