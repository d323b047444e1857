import { NOTIFICATION_KINDS, ORDER_STATUSES, type NotificationDto, type OrderStatus, type Role } from '@bangbang/shared';

/**
 * Who hears what on the live channel: pure rules over the NOTIFY payloads of `bangbang_live` (sent by the
 * notification job inside its transaction, so they go out at commit) and the routing facts each socket keeps.
 */

/** The PostgreSQL channel every API process LISTENs on. */
export const LIVE_CHANNEL = 'bangbang_live';

/** What a socket's person is, for routing: read with the token (and again at every heartbeat). */
export interface LivePerson {
  id: string;
  roles: readonly Role[];
  /** The materialised path of their place (their jurisdiction when staff, their task hall when serving). */
  regionPath: string | null;
}

/** A notification for one person (`t: 'n'`). */
export interface PersonNotice {
  t: 'n';
  to: string;
  n: NotificationDto;
}

/** An order changed (`t: 'o'`): everyone who may see it reloads it through the REST API. */
export interface OrderNotice {
  t: 'o';
  id: string;
  status: OrderStatus;
  seq: number;
  /** The resident's place (region_path): staff whose jurisdiction covers it hear. */
  region: string;
  /** The order's task hall (scope_path): volunteers and grid workers whose place lies under it hear. */
  scope: string;
  /** Its people: resident, requester, dispatched-to person, assignees, family members with a login. */
  people: string[];
}

export type LiveNotice = PersonNotice | OrderNotice;

const STAFF_ROLES: readonly Role[] = ['admin', 'dispatcher', 'grid_worker'];
const SERVING_ROLES: readonly Role[] = ['volunteer', 'grid_worker'];

/**
 * Whether a person may be told that an order changed. The message carries no personal data (id, status, seq); the
 * page then reloads through the REST API, which enforces visibility, so erring wide costs a reload, never a leak.
 * The staff rule is jurisdiction's (modules/access/jurisdiction.ts) as seen from routing facts only: an admin with
 * no place oversees everything; other staff the subtree of their place.
 */
export function mayHear(person: LivePerson, order: Pick<OrderNotice, 'region' | 'scope' | 'people'>): boolean {
  if (order.people.includes(person.id)) return true;
  const staff = person.roles.some((r) => STAFF_ROLES.includes(r));
  if (staff) {
    if (person.regionPath === null) {
      if (person.roles.includes('admin')) return true;
    } else if (order.region !== '' && order.region.startsWith(person.regionPath)) {
      return true;
    }
  }
  // the task hall: a serving person whose place lies under the order's scope (it reached their level)
  const serving = person.roles.some((r) => SERVING_ROLES.includes(r));
  return serving && person.regionPath !== null && order.scope !== '' && person.regionPath.startsWith(order.scope);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNullableString = (v: unknown): v is string | null => v === null || typeof v === 'string';

function isNotification(v: unknown): v is NotificationDto {
  if (typeof v !== 'object' || v === null) return false;
  const n = v as Record<string, unknown>;
  return (
    isString(n.id) &&
    (NOTIFICATION_KINDS as readonly unknown[]).includes(n.kind) &&
    isString(n.title) &&
    isString(n.body) &&
    isNullableString(n.orderId) &&
    typeof n.urgent === 'boolean' &&
    isString(n.createdAt) &&
    isNullableString(n.readAt)
  );
}

/**
 * A payload of the channel, or undefined when it is not one this server understands (a newer process's format
 * during a rolling deploy, say): such a payload is dropped, never half-routed.
 */
export function parseNotice(payload: string): LiveNotice | undefined {
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const p = v as Record<string, unknown>;
  if (p.t === 'n') {
    if (!isString(p.to) || !isNotification(p.n)) return undefined;
    return { t: 'n', to: p.to, n: p.n };
  }
  if (p.t === 'o') {
    if (!isString(p.id) || !(ORDER_STATUSES as readonly unknown[]).includes(p.status)) return undefined;
    if (typeof p.seq !== 'number' || !Number.isSafeInteger(p.seq)) return undefined;
    if (!isString(p.region) || !isString(p.scope)) return undefined;
    if (!Array.isArray(p.people) || !p.people.every(isString)) return undefined;
    return { t: 'o', id: p.id, status: p.status as OrderStatus, seq: p.seq, region: p.region, scope: p.scope, people: p.people };
  }
  return undefined;
}
