import type { ServiceRecordDto } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { skillFitsSql } from '../catalogue/catalogue.repo';
import { ORDER_SELECT } from '../orders/order.repo';
import type { OrderRow } from '../orders/order-row';

/** The tasks module's data access: the task hall (任务大厅) and a volunteer's service record. */

type Db = Pick<EntityManager, 'query'>;

/** '/a/b/c/' → ['/a/', '/a/b/', '/a/b/c/']: the places whose open orders a person living in c may see. */
function prefixes(path: string): string[] {
  const ids = path.split('/').filter(Boolean);
  return ids.map((_, i) => `/${ids.slice(0, i + 1).join('/')}/`);
}

/** Great-circle metres from ($lat, $lng) to the order's door, in SQL (the same formula as shared/geo.ts). */
function distanceSql(lat: string, lng: string): string {
  return `2 * 6371008.8 * asin(least(1, sqrt(power(sin(radians(o.location_lat - ${lat}) / 2), 2)
            + cos(radians(${lat})) * cos(radians(o.location_lat)) * power(sin(radians(o.location_lng - ${lng}) / 2), 2))))`;
}

/** An order of the task hall, and when it is offered to the person (同时请几位): how many were asked, answer by when. */
export type HallRow = OrderRow & { offer_asked: number | null; offer_answer_by: Date | null };

/**
 * The task hall of a person living at `placePath` with these skills: first the waiting orders offered to them now
 * (wherever they are: an offer reaches across the hall's area), then waiting orders — and orders under way short of
 * people (shared `shortOfPeople`; migration HallOffersFreedPlaces) — that have escalated to a level covering their
 * place and whose service they may take (catalogue's `skillFitsSql`: any general service, a qualified one with their
 * skill), which they do not already hold; nearest first when their location is known, oldest first otherwise.
 */
export async function hallOrders(
  m: Db,
  person: { id: string; placePath: string | null; skills: string[]; lat: number | null; lng: number | null },
  limit: number,
): Promise<HallRow[]> {
  const params: unknown[] = [person.placePath === null ? [] : prefixes(person.placePath), person.skills, person.id];
  let order = 'o.created_at';
  if (person.lat !== null && person.lng !== null) {
    params.push(person.lat, person.lng);
    order = `${distanceSql('$4', '$5')} NULLS LAST, o.created_at`;
  }
  params.push(limit);
  // the offers: by the person's open-offer index; how many were asked: the order's offers of its round
  return m.query<HallRow[]>(
    `WITH mine AS (SELECT f.order_id, f.round, f.answer_by FROM order_offer f WHERE f.volunteer_id = $3 AND f.state = 'open')
     SELECT o.*, mine.answer_by AS offer_answer_by,
            CASE WHEN mine.order_id IS NULL THEN NULL
                 ELSE (SELECT count(*)::int FROM order_offer g WHERE g.order_id = o.id AND g.round = o.round) END AS offer_asked
     FROM (${ORDER_SELECT}
           WHERE (o.status = 'pending' OR (o.status = 'in_service' AND o.accepted_count < o.headcount))
             AND (o.id IN (SELECT order_id FROM mine)
                  OR (o.scope_path = ANY($1::text[]) AND ${skillFitsSql('c.kind', 'o.category_code', '$2::text[]')}))
             AND NOT EXISTS (SELECT 1 FROM order_assignment a WHERE a.order_id = o.id AND a.round = o.round AND a.volunteer_id = $3
                             AND a.state IN ('accepted', 'in_service', 'completed'))
           ORDER BY (o.id IN (SELECT order_id FROM mine)) DESC, ${order} LIMIT $${params.length}) o
     LEFT JOIN mine ON mine.order_id = o.id AND mine.round = o.round
     ORDER BY (mine.order_id IS NOT NULL) DESC, ${order}`,
    params,
  );
}

/**
 * The condition "dispatched to the person (or a squad of theirs), or they took a place on it" ($1 the person, $2 their
 * squads). A place staff took back (撤回) is no longer theirs: the order leaves their tasks.
 */
export const MY_TASKS = `(EXISTS (SELECT 1 FROM order_assignment a WHERE a.order_id = o.id AND a.volunteer_id = $1 AND a.state <> 'recalled')
            OR o.dispatched_to_user_id = $1 OR o.dispatched_to_squad_id = ANY($2::uuid[]))`;

/**
 * The order's status as the person's own part of it reads ($1 the person): on an order for several people, one who
 * has accepted is 已接单 (and at the door 服务中) while the order still waits for the others (待接单). Their latest
 * place still running or done decides; without one, the order's own status. The app shows the same (myStatus).
 */
export const MY_STATUS = `COALESCE((SELECT CASE WHEN a.state = 'completed' AND o.status = 'closed' THEN 'closed' ELSE a.state END
              FROM order_assignment a WHERE a.order_id = o.id AND a.volunteer_id = $1 AND a.state IN ('accepted', 'in_service', 'completed')
              ORDER BY a.accepted_at DESC LIMIT 1), o.status::text)`;

/** The path of a person's place (null: none), or undefined when there is no such person. */
export async function placePathOf(m: Db, personId: string): Promise<{ path: string | null } | undefined> {
  const [person] = await m.query<Array<{ path: string | null }>>(`SELECT r.path FROM app_user u LEFT JOIN region r ON r.id = u.region_id WHERE u.id = $1`, [
    personId,
  ]);
  return person;
}

/** A person's service record: places taken and how they ended, minutes served (orders and projects), dispatches refused, average rating. */
export async function serviceRecord(m: Db, personId: string): Promise<Omit<ServiceRecordDto, 'userId' | 'reliability'>> {
  const [r] = await m.query<Array<Omit<ServiceRecordDto, 'userId' | 'reliability'>>>(
    `SELECT count(*)::int AS accepted,
            (count(*) FILTER (WHERE a.state = 'completed'))::int AS completed,
            -- project hours count like service hours (项目清单: attendance the organiser confirmed)
            (COALESCE(sum(a.service_minutes), 0)
              + (SELECT COALESCE(sum(c.minutes), 0) FROM project_claim c WHERE c.user_id = $1 AND c.status = 'attended'))::int AS "serviceMinutes",
            (count(*) FILTER (WHERE a.state = 'released'))::int AS released,
            (count(*) FILTER (WHERE a.state = 'no_show'))::int AS "noShows",
            (SELECT count(*)::int FROM order_event e WHERE e.type = 'reject' AND e.actor_id = $1) AS "rejectedDispatches",
            (count(*) FILTER (WHERE a.check_in_far))::int AS "farCheckIns",
            round(avg(o.rating) FILTER (WHERE a.state = 'completed'), 2)::float8 AS "averageRating"
     FROM order_assignment a JOIN service_order o ON o.id = a.order_id
     WHERE a.volunteer_id = $1`,
    [personId],
  );
  return r!;
}
