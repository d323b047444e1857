import {
  availableActions,
  isAvailableNow,
  reopenWindowOpen,
  shortOfPeople,
  skillFits,
  transition,
  type OrderAction,
  type OrderRelation,
} from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { covers, isStaff, jurisdictionOf, type Jurisdiction } from '../access/jurisdiction';
import type { Actor } from '../auth/actor';
import { HOLDING, type AssignmentRow, type OrderRow } from './order-row';
import { openOffersOf, residentsOfFamily, squadsOf } from './order.repo';

/** The person looking at or acting on orders, with what is needed to place them relative to any order. */
export interface Viewer {
  actor: Actor;
  j: Jurisdiction;
  /** Squads the person is a member of, and those they lead. */
  squads: Set<string>;
  leads: Set<string>;
  now: Date;
  /** How long after an order ends the people who served it still see the resident in full (VOLUNTEER_CONTACT_HOURS). */
  contactHours: number;
  /** The residents whose family contact has the person's phone (家属): they see and confirm those residents' orders. */
  follows: Set<string>;
  /** Orders offered to the person right now (an open offer, 同时请几位): they may accept them wherever they are. */
  offered: Set<string>;
  /** REOPEN_AFTER_CONFIRM_DAYS: how long after confirming the resident's side may still reopen (default 7). */
  reopenDays?: number;
}

/** The default of VOLUNTEER_CONTACT_HOURS (server/src/config.ts). */
export const DEFAULT_CONTACT_HOURS = 24;

/**
 * The viewer of a request. `family: false` skips the family probe where it cannot matter (a resident's own new
 * order, the task hall, dispatching): those paths decide visibility themselves, and save the round trip.
 */
export async function loadViewer(
  m: EntityManager,
  actor: Actor,
  now: Date,
  contactHours = DEFAULT_CONTACT_HOURS,
  { family = true }: { family?: boolean } = {},
): Promise<Viewer> {
  const squads = new Set<string>();
  const leads = new Set<string>();
  const offered = new Set<string>();
  if (isServing(actor)) {
    for (const r of await squadsOf(m, actor.id)) {
      squads.add(r.squad_id);
      if (r.leads) leads.add(r.squad_id);
    }
    for (const id of await openOffersOf(m, actor.id)) offered.add(id);
  }
  // the person's phone is verified by their login: equal to a family contact's, they are that resident's family
  const follows = new Set(!family || actor.user.phone === null ? [] : await residentsOfFamily(m, actor.user.phone));
  return { actor, j: jurisdictionOf(actor), squads, leads, now, contactHours, follows, offered };
}

/** Volunteers and grid workers serve (接单); everyone else orders, dispatches or oversees. */
export function isServing(actor: Actor): boolean {
  return actor.roles.includes('volunteer') || actor.roles.includes('grid_worker');
}

/**
 * Staff act on any order of their jurisdiction (dispatch, recall, cancel) at once, whatever level it has reached
 * (issue 20: nobody waits for an order to escalate before the office that already has it may send someone). The
 * level (三级联动) still decides whose board an order is on and who is alarmed; acting before the order has reached
 * one's level is recorded as 越级派单 (see `overLevel`).
 */
export function actsAsStaff(v: Viewer, o: Pick<OrderRow, 'region_path'>): boolean {
  return isStaff(v.actor) && covers(v.j, o.region_path);
}

/**
 * The order has not yet reached the level of the staff member acting on it (越级派单): a community's dispatcher
 * sending a grid-level order. A grid worker's orders start at their grid, so theirs never are; an administrator
 * without a place (the whole tree) has no level to reach.
 */
export function overLevel(v: Viewer, o: Pick<OrderRow, 'scope_path'>): boolean {
  return v.actor.regionPath !== null && !v.actor.regionPath.startsWith(o.scope_path);
}

/** Why a serving person may not take an order from the task hall, or null when they may. */
export function ineligibility(v: Viewer, o: Pick<OrderRow, 'category_code' | 'category_kind' | 'scope_path'>): string | null {
  const { actor } = v;
  if (!isServing(actor)) return '只有志愿者和网格员可以接单。';
  if (!skillFits(o.category_kind, o.category_code, actor.user.skills)) return '您的服务技能与这个需求不符。';
  if (actor.regionPath === null || !actor.regionPath.startsWith(o.scope_path)) return '这个需求不在您的服务区域内。';
  if (!isAvailableNow(actor.user.onDuty, actor.user.roster, v.now)) return '您当前不在接单状态（未上岗或不在排班时间），请先开启接单。';
  return null;
}

export interface Standing {
  relations: OrderRelation[];
  /** Staff whose jurisdiction covers the resident, whatever level the order has reached (they act on it as `staff`). */
  oversees: boolean;
  /** The person's place on the order in its current round, if they hold one. */
  holding: AssignmentRow | undefined;
  /** The order is dispatched to this person, or to a squad they belong to. */
  dispatchedToMe: boolean;
  /** Null when they could take it from the task hall; otherwise why not. */
  ineligible: string | null;
  /**
   * The person is the order's 兜底责任人, it is past its deadline, and they are not staff who act on it at its level:
   * they may dispatch it and take it at any level (the `staff` and `eligible` relations), not cancel it.
   */
  staffByDuty: boolean;
}

/** How the viewer relates to the order (see OrderRelation in shared/order-state.ts). */
export function standingOf(v: Viewer, o: OrderRow, assignments: readonly AssignmentRow[]): Standing {
  const relations: OrderRelation[] = [];
  if (v.actor.id === o.resident_id || v.actor.id === o.requester_id) relations.push('requester');
  if (v.actor.id === o.resident_id) relations.push('resident');
  if (v.follows.has(o.resident_id) && v.actor.id !== o.resident_id) relations.push('family');
  const oversees = actsAsStaff(v, o);
  // a resident who can neither log in nor has family: another staff member confirms after calling them back (电话回访)
  if (oversees && !o.resident_confirms && v.actor.id !== o.requester_id && v.actor.id !== o.resident_id) relations.push('callback');
  // 兜底: once nobody has accepted the order in time, the person answerable for it may dispatch it and take it
  // themself, whatever level it has reached (before, it is the grid's like any other)
  const responsible = o.responsible_id === v.actor.id && o.deadline_at <= v.now;
  if (oversees || responsible) relations.push('staff');
  const holding = assignments.find((a) => a.volunteer_id === v.actor.id && a.round === o.round && HOLDING.includes(a.state));
  const dispatchedToMe = o.dispatched_to_user_id === v.actor.id || (o.dispatched_to_squad_id !== null && v.squads.has(o.dispatched_to_squad_id));
  if (holding || dispatchedToMe) relations.push('assignee');
  const ineligible = holding ? '您已接下这个需求。' : responsible ? null : ineligibility(v, o);
  if (ineligible === null) relations.push('eligible');
  // asked among several (同时请几位): they may accept while it waits, even outside their task hall's area
  if (!holding && o.status === 'pending' && v.offered.has(o.id)) relations.push('offered');
  return { relations, oversees, holding, dispatchedToMe, ineligible, staffByDuty: responsible && !oversees };
}

/**
 * The relations that count for cancelling: being answerable for an order (兜底) is a duty to get it served, not a
 * say over whether it is wanted — a responsible person without jurisdiction over the resident does not cancel.
 */
export function cancelRelations(s: Pick<Standing, 'relations' | 'staffByDuty'>): OrderRelation[] {
  return s.staffByDuty ? s.relations.filter((r) => r !== 'staff') : s.relations;
}

/** The buttons to show: the state machine's actions, narrowed by what this person's place on the order allows. */
export function actionsFor(v: Viewer, o: OrderRow, s: Standing, people: readonly AssignmentRow[]): OrderAction[] {
  const state = s.holding?.state;
  const actions = availableActions(o.status, s.relations);
  return actions.filter((a) => {
    switch (a) {
      case 'accept':
        if (s.holding) return false;
        if (o.status === 'pending') return s.relations.includes('eligible') || s.relations.includes('offered') || s.dispatchedToMe;
        // under way and short of people: a freed place, from the task hall
        if (o.status === 'in_service') return shortOfPeople(o.status, o.accepted_count, o.headcount) && (s.relations.includes('eligible') || s.dispatchedToMe);
        return s.dispatchedToMe;
      case 'reject':
        // a squad leader may decline a dispatch to the squad even while holding a place of their own
        return mayReject(v, o);
      case 'release':
        return state === 'accepted';
      case 'check_in':
        return state === 'accepted';
      case 'complete':
        return state === 'in_service';
      case 'cancel':
        return transition(o.status, 'cancel', cancelRelations(s)).ok;
      case 'recall':
        // waiting for more people, or under way: only when someone accepted and has not arrived (or, still open, a
        // squad holds the dispatch)
        if (o.status === 'pending') return o.dispatched_to_squad_id !== null || people.some((a) => a.round === o.round && a.state === 'accepted');
        if (o.status === 'in_service') return people.some((a) => a.round === o.round && a.state === 'accepted');
        return true;
      case 'reopen':
        // a confirmed order: only within the window after its confirmation
        return o.status !== 'closed' || reopenWindowOpen(o.closed_at, v.now, v.reopenDays);
      default:
        return true;
    }
  });
}

/** A dispatch is declined by the person it went to, or for a squad by its leader. */
export function mayReject(v: Viewer, o: Pick<OrderRow, 'dispatched_to_user_id' | 'dispatched_to_squad_id'>): boolean {
  return o.dispatched_to_user_id === v.actor.id || (o.dispatched_to_squad_id !== null && v.leads.has(o.dispatched_to_squad_id));
}

/** May the viewer read the order at all (anything else is answered 404, its existence not leaked)? */
export function maySee(v: Viewer, o: OrderRow, s: Standing, assignments: readonly AssignmentRow[]): boolean {
  if (s.relations.some((r) => r !== 'eligible')) return true;
  // staff oversee every order of their jurisdiction, whatever its level
  if (isStaff(v.actor) && covers(v.j, o.region_path)) return true;
  // 兜底责任人 follow the order they answer for from the first minute
  if (o.responsible_id === v.actor.id) return true;
  // someone who was on it once (released, did not come, an earlier round) still sees it in their history
  if (assignments.some((a) => a.volunteer_id === v.actor.id)) return true;
  // the task hall: a volunteer sees the open orders they could take, even while off duty, and — the race lost —
  // that it has just been taken; not how it goes on from there. A several-person order under way may be short of
  // people (a place taken back) and listed again, so it stays visible to them while in service
  const inHall =
    isServing(v.actor) && skillFits(o.category_kind, o.category_code, v.actor.user.skills) && (v.actor.regionPath?.startsWith(o.scope_path) ?? false);
  return inHall && (o.status === 'pending' || o.status === 'dispatched' || o.status === 'accepted' || (o.status === 'in_service' && o.headcount > 1));
}
