import type { DataSource, EntityManager } from 'typeorm';
import { Sql, commit, endAssignments, loadOrder } from '../orders/order.repo';
import { acceptMinutes } from '../orders/order-row';
import { markReminded, takeDueNoShows, takeDueReminders, type DuePlace, type NoShowTimes } from './no-show.repo';

/**
 * 未到场 (issue 20, item 6): a volunteer who accepted an order and is not at the door by the agreed time is first
 * reminded (a `remind` event: 请按时上门), then, NO_SHOW_GRACE_MINUTES later and still without a check-in, loses
 * the place: their place ends as `no_show` (it counts against their reliability, like a release), the order goes
 * back to waiting (a `no_show` event, moving like a release: accepted → pending) with a fresh window before it
 * escalates, under auto-dispatch due at once, and the fan-out tells the volunteer and alarms the order's 兜底责任人.
 * Of a several-person order already under way, the order goes on in service one short: the place is open in the task
 * hall and offered to volunteers nearby (as after staff take a place back).
 *
 * Part of the timed work (runTimedWork); each step one transaction, due orders taken FOR UPDATE SKIP LOCKED, so
 * any number of sweeps at once remind and return each place once.
 */

export type { NoShowTimes } from './no-show.repo';

const MINUTE = 60_000;

/** What one sweep did. */
export interface NoShowWork {
  reminded: number;
  noShows: number;
}

/** The places by order, so each order is read once and its events numbered one after the other. */
function byOrder(places: readonly DuePlace[]): Map<string, DuePlace[]> {
  const out = new Map<string, DuePlace[]>();
  for (const p of places) out.set(p.order_id, [...(out.get(p.order_id) ?? []), p]);
  return out;
}

async function remind(m: EntityManager, now: Date, t: NoShowTimes, batch: number): Promise<number> {
  const due = await takeDueReminders(m, now, t, batch);
  for (const [orderId, places] of byOrder(due)) {
    for (const p of places) {
      const o = (await loadOrder(m, orderId))!;
      await markReminded(m, p.assignment_id, now);
      await commit(
        m,
        o,
        {},
        { type: 'remind', actorId: null, at: now, to: o.status, reason: '已到约定时间仍未签到，提醒上门', data: { volunteerId: p.volunteer_id } },
      );
    }
  }
  return due.length;
}

async function returnToPool(m: EntityManager, now: Date, t: NoShowTimes, batch: number): Promise<number> {
  const due = await takeDueNoShows(m, now, t, batch);
  for (const [orderId, places] of byOrder(due)) {
    for (const p of places) {
      const o = (await loadOrder(m, orderId))!;
      await endAssignments(m, [p.assignment_id], 'no_show', now, `提醒后 ${t.graceMinutes} 分钟仍未签到`);
      const underway = o.status === 'in_service';
      const to = underway ? 'in_service' : 'pending';
      const set: Record<string, unknown> = { status: to, accepted_count: new Sql('accepted_count - 1') };
      if (o.dispatched_to_user_id === p.volunteer_id) set.dispatched_to_user_id = null;
      if (!underway) {
        // under auto-dispatch (auto, pool) the next person is sought at once
        set.auto_dispatch_at = o.dispatch_mode === 'manual' ? null : now;
        // waiting again: a fresh window before it escalates (none at the top level), as after a release
        if (o.status !== 'pending') set.escalate_at = o.escalation_level === 'county' ? null : new Date(now.getTime() + acceptMinutes(o) * MINUTE);
      }
      await commit(m, o, set, {
        type: 'no_show',
        actorId: null,
        at: now,
        to,
        reason: underway ? '接单后未按时签到，空出的名额回到任务大厅' : '接单后未按时签到，需求重新等待接单',
        // `noShow` as the complete event names them, so the fan-out finds their names the same way
        data: { volunteerId: p.volunteer_id, noShow: [p.volunteer_id], acceptedCount: o.accepted_count - 1 },
      });
    }
  }
  return due.length;
}

/** One sweep: reminders, then no-shows, each until nothing is due (a backlog is worked off in one tick). */
export async function sweepNoShows(db: DataSource, now: Date, t: NoShowTimes, batch = 200): Promise<NoShowWork> {
  let reminded = 0;
  let noShows = 0;
  for (;;) {
    const n = await db.transaction((m) => remind(m, now, t, batch));
    reminded += n;
    if (n < batch) break;
  }
  for (;;) {
    const n = await db.transaction((m) => returnToPool(m, now, t, batch));
    noShows += n;
    if (n < batch) break;
  }
  return { reminded, noShows };
}
