/**
 * The order state machine (点单 → 派单 → 接单 → 签到 → 完成 → 评价), a pure function shared by the server (which
 * enforces it) and the mini-program (which shows only the buttons it allows).
 *
 *   pending ──dispatch──▶ dispatched ──accept──▶ accepted ──check_in──▶ in_service ──complete──▶ completed ──confirm──▶ closed
 *      ▲  └───────────────accept (task hall)──────▲  │                                               │
 *      ├──────reject (assignee declines)──────────┘  │                                               │
 *      ├──────release (assignee gives back, before check-in)────────┘                                │
 *      └──────reopen (resident: not solved; same order, history kept)────────────────────────────────┘
 *      └──────reopen after confirmation: closed → pending, within REOPEN_AFTER_CONFIRM_DAYS (the server checks the window)
 *   confirm / reopen: the resident or their family (a proxy order is not confirmed by the staff member who placed it).
 *   cancel: pending / dispatched / accepted → cancelled (the resident, the proxy or family before check-in);
 *           also in_service → cancelled by staff with jurisdiction (any point before completed).
 *   recall: dispatched / accepted (before check-in) → pending, by staff with jurisdiction (撤回改派, with a reason);
 *           of a several-person order also pending → pending (the places taken so far) and in_service → in_service
 *           (those who accepted and have not arrived); a place freed under way is taken from the task hall (accept
 *           in_service → in_service while the order is short of people; who takes it may give it back before arriving).
 *   urge: pending / dispatched / accepted / in_service → unchanged, by the requester, resident or family (催一下).
 *   Several people (headcount N): accepts before the N-th leave the order pending (open for the rest); a holder may
 *   release their place from pending too; the 2nd+ person checks in while in_service; it is completed when the last
 *   one serving completes.
 */

export const ORDER_STATUSES = ['pending', 'dispatched', 'accepted', 'in_service', 'completed', 'closed', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const ORDER_STATUS_NAMES: Record<OrderStatus, string> = {
  pending: '待接单',
  dispatched: '已派单',
  accepted: '已接单',
  in_service: '服务中',
  completed: '待确认',
  closed: '已完成',
  cancelled: '已取消',
};

export const ORDER_ACTIONS = ['dispatch', 'reject', 'accept', 'release', 'check_in', 'complete', 'confirm', 'reopen', 'cancel', 'recall', 'urge'] as const;
export type OrderAction = (typeof ORDER_ACTIONS)[number];

export const ORDER_ACTION_NAMES: Record<OrderAction, string> = {
  dispatch: '派单',
  reject: '拒绝派单',
  accept: '接单',
  release: '退单',
  check_in: '签到',
  complete: '完成服务',
  confirm: '确认并评价',
  reopen: '问题未解决',
  cancel: '取消',
  recall: '撤回改派',
  urge: '催一下',
};

/**
 * How the person acting relates to this order (several may hold: a grid worker who ordered for a resident is both
 * `requester` and `staff`). Computed by the server from the order, the person and the jurisdiction.
 * - requester: the resident, or the one who ordered on their behalf (代下单: staff, or a family member)
 * - resident: the resident the order is for, themself
 * - family: a family contact of the resident (子女、监护人…: their phone is one of the resident's family contacts)
 * - callback: staff with jurisdiction over a resident who can confirm neither themself (no mobile, no WeChat) nor
 *   through family, and who did not place the order: they confirm after calling the resident back (电话回访)
 * - staff: a dispatcher or grid worker whose jurisdiction covers the order
 * - assignee: the person the order is dispatched to / accepted by (or a member of the squad it was dispatched to)
 * - eligible: a volunteer who may take it from the task hall (skill, area at its escalation level, available now)
 * - offered: a volunteer the order is offered to right now, among several (first to accept wins)
 *
 * Confirming (确认并评价) is the resident's word that the help arrived: the resident or their family gives it, never
 * the staff member who placed the order for them (they would be vouching for their own work).
 */
export type OrderRelation = 'requester' | 'resident' | 'family' | 'callback' | 'staff' | 'assignee' | 'eligible' | 'offered';

/** Those who confirm a finished order, or say it was not solved, on the resident's behalf or their own. */
export const CONFIRMING_RELATIONS: readonly OrderRelation[] = ['resident', 'family', 'callback'];

/** For orders needing several people (headcount N): how many hold a place before this accept. */
export interface AcceptProgress {
  headcount: number;
  accepted: number;
}

/** For orders served by several people: how many others are still serving when one completes. */
export interface CompleteProgress {
  othersServing: number;
}

export type TransitionResult = { ok: true; to: OrderStatus } | { ok: false; kind: 'state'; message: string } | { ok: false; kind: 'role'; message: string };

interface Rule {
  from: readonly OrderStatus[];
  by: readonly OrderRelation[];
  to: OrderStatus;
}

/** Who may do what from where. `accept` may also be done by the assignee of a dispatch. */
const RULES: Record<OrderAction, readonly Rule[]> = {
  dispatch: [{ from: ['pending'], by: ['staff'], to: 'dispatched' }],
  reject: [{ from: ['dispatched'], by: ['assignee'], to: 'pending' }],
  accept: [
    { from: ['pending'], by: ['eligible', 'assignee', 'offered'], to: 'accepted' },
    { from: ['dispatched'], by: ['assignee'], to: 'accepted' },
    // under way and short of people (a place taken back by staff): someone fills it from the task hall
    { from: ['in_service'], by: ['eligible', 'assignee'], to: 'in_service' },
  ],
  release: [
    { from: ['accepted'], by: ['assignee'], to: 'pending' },
    // giving back one's place in an order still waiting for more people
    { from: ['pending'], by: ['assignee'], to: 'pending' },
    // a place of an order under way, taken and not yet arrived at
    { from: ['in_service'], by: ['assignee'], to: 'in_service' },
  ],
  check_in: [
    { from: ['accepted'], by: ['assignee'], to: 'in_service' },
    // the second and later people of a several-person order arriving
    { from: ['in_service'], by: ['assignee'], to: 'in_service' },
  ],
  complete: [{ from: ['in_service'], by: ['assignee'], to: 'completed' }],
  confirm: [{ from: ['completed'], by: CONFIRMING_RELATIONS, to: 'closed' }],
  // after confirmation too (issue 22): 「问题未解决」 a few days later reopens the same order, and the points its
  // confirmation credited are reversed; how long after is the server's window (`reopenWindowOpen`)
  reopen: [{ from: ['completed', 'closed'], by: CONFIRMING_RELATIONS, to: 'pending' }],
  cancel: [
    { from: ['pending', 'dispatched', 'accepted'], by: ['requester', 'family', 'staff'], to: 'cancelled' },
    { from: ['in_service'], by: ['staff'], to: 'cancelled' },
  ],
  // 撤回改派: staff take a dispatch back, or an accepted order before anyone checked in (then send it on); of a
  // several-person order, the places taken so far while it waits for more (pending), or of those not yet there while
  // the others serve (in_service: it stays so). The server refuses when nobody is there to take back.
  recall: [
    { from: ['dispatched', 'accepted'], by: ['staff'], to: 'pending' },
    { from: ['pending'], by: ['staff'], to: 'pending' },
    { from: ['in_service'], by: ['staff'], to: 'in_service' },
  ],
  // 催一下: the resident (or who ordered for them, or family) presses an open order; its state does not change
  urge: (['pending', 'dispatched', 'accepted', 'in_service'] as const).map((s) => ({ from: [s], by: ['requester', 'resident', 'family'] as const, to: s })),
};

/**
 * May these relations do `action` on an order in `status`, and where does it go? A `state` failure is a 409
 * (the order is not in a state that allows it); a `role` failure is a 403 (this person may not do it now).
 * With several people needed, an accept that is not the last leaves the order `pending` (open for the rest, in the
 * task hall and to the squad it was dispatched to), and a completion that is not the last keeps it `in_service`.
 */
export function transition(
  status: OrderStatus,
  action: OrderAction,
  relations: readonly OrderRelation[],
  progress?: AcceptProgress | CompleteProgress,
): TransitionResult {
  const rules = RULES[action];
  // under way, a place can be taken only while the order is short of people
  if (action === 'accept' && status === 'in_service' && progress && 'headcount' in progress && progress.accepted >= progress.headcount) {
    return { ok: false, kind: 'state', message: stateMessage(status, action) };
  }
  const fromState = rules.filter((r) => r.from.includes(status));
  if (fromState.length === 0) {
    return { ok: false, kind: 'state', message: stateMessage(status, action) };
  }
  const rule = fromState.find((r) => r.by.some((b) => relations.includes(b)));
  if (!rule) return { ok: false, kind: 'role', message: `您不能对这个需求进行「${ORDER_ACTION_NAMES[action]}」。` };
  if (action === 'accept' && status !== 'in_service' && progress && 'headcount' in progress && progress.accepted + 1 < progress.headcount) {
    return { ok: true, to: 'pending' };
  }
  if (action === 'complete' && progress && 'othersServing' in progress && progress.othersServing > 0) return { ok: true, to: 'in_service' };
  return { ok: true, to: rule.to };
}

/** How an action reads after 不能 where its button's name does not ("不能问题未解决" → "不能反馈问题未解决"). */
const ACTION_VERBS: Partial<Record<OrderAction, string>> = { reopen: '反馈问题未解决' };

/** The 409 message: says what state the order is in. Taking an order someone else already took reads naturally. */
export function stateMessage(status: OrderStatus, action: OrderAction): string {
  if (action === 'accept' && (status === 'accepted' || status === 'in_service' || status === 'completed' || status === 'closed')) {
    return '该需求已被接单。';
  }
  return `该需求当前为「${ORDER_STATUS_NAMES[status]}」，不能${ACTION_VERBS[action] ?? ORDER_ACTION_NAMES[action]}。`;
}

/** The actions these relations may take now: the buttons the mini-program shows. */
export function availableActions(status: OrderStatus, relations: readonly OrderRelation[]): OrderAction[] {
  return ORDER_ACTIONS.filter((a) => transition(status, a, relations).ok);
}

/**
 * Finished: closed and cancelled orders are history (the resident's home lists them apart). A closed order may still
 * be reopened by the resident's side within REOPEN_AFTER_CONFIRM_DAYS (`reopenWindowOpen`); nothing else moves it.
 */
export function isFinal(status: OrderStatus): boolean {
  return status === 'closed' || status === 'cancelled';
}

/** The actions whose rule can lead from `from` to `to` (for anyone): what an event of the log may say happened. */
export function isLegalMove(from: OrderStatus, action: OrderAction, to: OrderStatus): boolean {
  return RULES[action].some(
    (r) =>
      r.from.includes(from) &&
      (r.to === to || (action === 'accept' && to === 'pending') || (action === 'complete' && to === 'in_service' && from === 'in_service')),
  );
}

/**
 * Under way and short of people: a place of a several-person order taken back by staff (撤回) or given up by someone
 * who never came (未到场) while the others serve. The task hall lists it and whoever takes it joins them.
 */
export function shortOfPeople(status: string, acceptedCount: number, headcount: number): boolean {
  return status === 'in_service' && acceptedCount < headcount;
}

/** The default of REOPEN_AFTER_CONFIRM_DAYS: how long after confirming the resident's side may still say 「问题未解决」. */
export const REOPEN_AFTER_CONFIRM_DAYS = 7;

/** May a closed order still be reopened (confirmed at `closedAt`, a window of `days`)? 0 days: never. */
export function reopenWindowOpen(closedAt: Date | string | null, now: Date, days: number = REOPEN_AFTER_CONFIRM_DAYS): boolean {
  if (closedAt === null || days <= 0) return false;
  return now.getTime() - new Date(closedAt).getTime() < days * 24 * 60 * 60 * 1000;
}
