import { isAvailableNow, type MyTasksQuery, type OrderDto, type Page, type ServiceRecordDto, type TaskPoolDto } from '@bangbang/shared';
import type { DataSource } from 'typeorm';
import type { Clock } from '../../clock';
import { ForbiddenError, UUID_PATTERN } from '../../errors';
import { covers, isStaff, jurisdictionOf } from '../access/jurisdiction';
import type { Actor } from '../auth/actor';
import { orderPage } from '../orders/order.repo';
import { distanceFromViewer, presentOrders } from '../orders/present';
import { isServing, loadViewer } from '../orders/standing';
import { personNotFound } from '../users/service';
import { MY_STATUS, MY_TASKS, hallOrders, placePathOf, serviceRecord } from './task.repo';

const POOL_SIZE = 50;

/** The volunteer's side of orders: the task hall (任务大厅), their own tasks, and their service record. */
export interface TaskServiceDeps {
  db: DataSource;
  clock: Clock;
  /** VOLUNTEER_CONTACT_HOURS (see the orders service). */
  contactHours?: number;
}

export function createTaskService({ db, clock, contactHours }: TaskServiceDeps) {
  return {
    /**
     * Waiting orders the person could take: those offered to them first (同时请几位), then the rest nearest first
     * (browsable off duty; `availableNow` says whether they may accept).
     */
    async pool(actor: Actor): Promise<TaskPoolDto> {
      if (!isServing(actor)) throw new ForbiddenError('只有志愿者和网格员有任务大厅。');
      const now = clock();
      const availableNow = isAvailableNow(actor.user.onDuty, actor.user.roster, now);
      return db.transaction(async (m) => {
        const v = await loadViewer(m, actor, now, contactHours, { family: false });
        // with no place the person has no hall of their own, but may still be asked (an offer)
        const person = { id: actor.id, placePath: actor.regionPath, skills: actor.user.skills, lat: actor.user.locationLat, lng: actor.user.locationLng };
        const rows = await hallOrders(m, person, POOL_SIZE);
        const presented = await presentOrders(m, v, rows);
        return {
          availableNow,
          items: presented.map((p, i) => {
            const r = rows[i]!;
            const offer =
              r.offer_asked === null || r.offer_answer_by === null ? null : { askedCount: r.offer_asked, answerBy: r.offer_answer_by.toISOString() };
            return { ...p.dto, distanceMeters: distanceFromViewer(v, r), offer };
          }),
        };
      });
    },

    /** Orders dispatched to the person (or their squad) or that they took, newest first. */
    async mine(actor: Actor, q: MyTasksQuery): Promise<Page<OrderDto>> {
      if (!isServing(actor)) throw new ForbiddenError('只有志愿者和网格员有任务。');
      return db.transaction(async (m) => {
        const v = await loadViewer(m, actor, clock(), contactHours, { family: false });
        const params: unknown[] = [actor.id, [...v.squads]];
        const where = [MY_TASKS];
        // the tabs of 我的任务 are the person's own state (已接单 while a several-person order waits for others)
        if (q.status !== undefined) {
          params.push(q.status);
          where.push(`${MY_STATUS} = $${params.length}`);
        }
        const { rows, nextCursor } = await orderPage(m, where, params, q);
        return { items: (await presentOrders(m, v, rows)).map((p) => p.dto), nextCursor };
      });
    },

    /** The person's service record: themself, or staff whose jurisdiction covers them (404 otherwise). */
    async record(actor: Actor, id: string): Promise<ServiceRecordDto> {
      if (!UUID_PATTERN.test(id)) throw personNotFound();
      const person = await placePathOf(db.manager, id);
      // like the person's record: themself, or staff whose jurisdiction covers them
      if (!person || !(id === actor.id || (isStaff(actor) && covers(jurisdictionOf(actor), person.path)))) throw personNotFound();
      const rec = await serviceRecord(db.manager, id);
      const judged = rec.completed + rec.released + rec.noShows;
      return { userId: id, ...rec, reliability: judged === 0 ? null : Math.round((rec.completed / judged) * 1000) / 1000 };
    },
  };
}

export type TaskService = ReturnType<typeof createTaskService>;
