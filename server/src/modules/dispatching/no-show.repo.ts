import type { EntityManager } from 'typeorm';

/**
 * The no-show sweep's statements (未到场, issue 20 item 6): places accepted and not checked in whose volunteer is
 * due at the door, and those reminded long enough ago. Orders' own writes stay the orders module's (`commit`).
 */

type Db = Pick<EntityManager, 'query'>;

/** When the volunteer who accepted is due at the door, and how long after the reminder they may still come. */
export interface NoShowTimes {
  /** Accepted with no agreed time, a normal order. */
  normalMinutes: number;
  /** Accepted with no agreed time, an urgent order; also the least time given to reach an agreed time. */
  urgentMinutes: number;
  graceMinutes: number;
}

/** A place on an order due for the sweep, its order locked. */
export interface DuePlace {
  assignment_id: string;
  order_id: string;
  volunteer_id: string;
}

/**
 * "Due at the door" of a place `a` on order `o`: the resident's preferred start, but never sooner than the urgent
 * travel time after accepting (a volunteer who takes an order five minutes before its agreed time is not late at
 * once); without an agreed time, the travel time of its urgency after accepting.
 */
const DUE_AT = `CASE WHEN o.preferred_start IS NOT NULL THEN GREATEST(o.preferred_start, a.accepted_at + make_interval(mins => $2))
                     WHEN o.urgency = 'urgent' THEN a.accepted_at + make_interval(mins => $2)
                     ELSE a.accepted_at + make_interval(mins => $3) END`;

/**
 * Places accepted and not checked in whose volunteer is due at the door and has not been reminded, up to `batch`,
 * their orders locked FOR UPDATE SKIP LOCKED: an order a request is changing (the volunteer checking in this very
 * moment) is left to it, and two sweeps never remind anyone twice. Orders under way count too: the second and later
 * people of a several-person order are due like the first (a holder still not there when the work is done is
 * recorded at completion).
 */
export async function takeDueReminders(m: Db, now: Date, t: NoShowTimes, batch: number): Promise<DuePlace[]> {
  return m.query<DuePlace[]>(
    `SELECT a.id AS assignment_id, o.id AS order_id, a.volunteer_id
     FROM order_assignment a JOIN service_order o ON o.id = a.order_id AND o.round = a.round
     WHERE a.state = 'accepted' AND a.reminded_at IS NULL AND o.status IN ('pending', 'accepted', 'in_service') AND ${DUE_AT} <= $1
     ORDER BY a.accepted_at LIMIT $4
     FOR UPDATE OF o SKIP LOCKED`,
    [now, t.urgentMinutes, t.normalMinutes, batch],
  );
}

/** Places reminded at least the grace period ago and still not checked in, up to `batch`, their orders locked as above. */
export async function takeDueNoShows(m: Db, now: Date, t: NoShowTimes, batch: number): Promise<DuePlace[]> {
  return m.query<DuePlace[]>(
    `SELECT a.id AS assignment_id, o.id AS order_id, a.volunteer_id
     FROM order_assignment a JOIN service_order o ON o.id = a.order_id AND o.round = a.round
     WHERE a.state = 'accepted' AND a.reminded_at <= $1::timestamptz - make_interval(mins => $2) AND o.status IN ('pending', 'accepted', 'in_service')
     ORDER BY a.reminded_at LIMIT $3
     FOR UPDATE OF o SKIP LOCKED`,
    [now, t.graceMinutes, batch],
  );
}

export async function markReminded(m: Db, assignmentId: string, at: Date): Promise<void> {
  await m.query(`UPDATE order_assignment SET reminded_at = $2 WHERE id = $1`, [assignmentId, at]);
}
