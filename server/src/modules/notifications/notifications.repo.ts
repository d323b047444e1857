import type { Channel, NotificationDto, NotificationKind } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { updateReturning } from '../../db/returning';
import { presentSql } from '../live/live.repo';
import { LIVE_CHANNEL } from '../live/routing';

type Db = Pick<EntityManager, 'query'>;

// ---------- what the fan-out reads ----------

/** One order event with what is needed to say it to people. */
export interface EventFacts {
  order_id: string;
  seq: number;
  type: string;
  actor_id: string | null;
  actor_name: string | null;
  at: Date;
  to_status: string;
  reason: string | null;
  data: Record<string, unknown>;
  // the order as it is now
  status: string;
  round: number;
  resident_id: string;
  resident_name: string;
  requester_id: string;
  region_id: string;
  region_name: string;
  region_path: string;
  scope_path: string;
  scope_region_id: string;
  scope_name: string;
  escalation_level: string;
  urgency: string;
  category_name: string;
  preferred_start: Date | null;
  dispatched_to_user_id: string | null;
  dispatched_to_squad_id: string | null;
  dispatch_mode: string;
  auto_dispatch_at: Date | null;
  escalate_at: Date | null;
  /** 兜底责任人. */
  responsible_id: string | null;
  /** When its present wait began: placed, or last reopened. */
  waiting_since: Date;
  /** Places taken and needed (under way and short of people: a place staff took back, open in the task hall). */
  accepted_count: number;
  headcount: number;
}

/** When an order's present wait began: placed, or last reopened (migration ReopenStartsANewWait). */
const WAITING_SINCE = 'COALESCE(o.reopened_at, o.created_at)';

/** What a notification says of an order (`o`), with its names: the columns, and the joins they need. */
const ORDER_FACTS = `o.status, o.round, o.resident_id, res.name AS resident_name, o.requester_id, o.region_id, r.name AS region_name,
  o.region_path, o.scope_path, o.scope_region_id, s.name AS scope_name, o.escalation_level, o.urgency, c.name AS category_name,
  o.preferred_start, o.dispatched_to_user_id, o.dispatched_to_squad_id, o.dispatch_mode, o.auto_dispatch_at, o.escalate_at,
  o.responsible_id, ${WAITING_SINCE} AS waiting_since, o.accepted_count, o.headcount`;
const ORDER_FACT_JOINS = `JOIN app_user res ON res.id = o.resident_id JOIN region r ON r.id = o.region_id
  JOIN region s ON s.id = o.scope_region_id JOIN service_category c ON c.code = o.category_code`;

/**
 * The events with their orders, and the people around those orders (PeopleAround), in one statement: the fan-out
 * job's only read. `around` rides on the first row.
 */
export async function loadFanOutFacts(m: Db, keys: ReadonlyArray<readonly [string, number]>): Promise<{ events: EventFacts[]; around: PeopleAround }> {
  const none: PeopleAround = { assignments: [], family: [], staff: [], members: [], names: [] };
  if (keys.length === 0) return { events: [], around: none };
  const rows = await m.query<Array<EventFacts & { around: PeopleAround | null }>>(
    `WITH ev AS (
       SELECT e.order_id, e.seq, e.type, e.actor_id, a.name AS actor_name, e.at, e.to_status, e.reason, e.data, ${ORDER_FACTS}
       FROM unnest($1::uuid[], $2::int[]) AS k(order_id, seq)
       JOIN order_event e ON e.order_id = k.order_id AND e.seq = k.seq
       JOIN service_order o ON o.id = e.order_id
       ${ORDER_FACT_JOINS}
       LEFT JOIN app_user a ON a.id = e.actor_id
     ), places AS (
       SELECT scope_region_id AS id FROM ev UNION SELECT region_id FROM ev
       UNION SELECT (data->>'scopeRegionId')::uuid FROM ev WHERE jsonb_typeof(data->'scopeRegionId') = 'string'
     ), squads AS (
       SELECT dispatched_to_squad_id AS id FROM ev WHERE dispatched_to_squad_id IS NOT NULL
       UNION SELECT (data->>'squadId')::uuid FROM ev WHERE jsonb_typeof(data->'squadId') = 'string'
     ), around AS (
       SELECT json_build_object(
         'assignments', (SELECT COALESCE(json_agg(json_build_object('order_id', x.order_id, 'round', x.round, 'volunteer_id', x.volunteer_id, 'state', x.state)), '[]')
                         FROM order_assignment x WHERE x.order_id IN (SELECT order_id FROM ev)),
         'family', (SELECT COALESCE(json_agg(json_build_object('resident_id', f.resident_id, 'phone', f.phone, 'user_id', u.id)), '[]')
                    FROM family_contact f LEFT JOIN app_user u ON u.phone = f.phone WHERE f.resident_id IN (SELECT resident_id FROM ev)),
         'staff', (SELECT COALESCE(json_agg(json_build_object('id', u.id, 'region_id', u.region_id)), '[]')
                   FROM app_user u WHERE u.region_id IN (SELECT id FROM places) AND u.roles && ARRAY['grid_worker', 'dispatcher']::text[]),
         'members', (SELECT COALESCE(json_agg(json_build_object('squad_id', sm.squad_id, 'user_id', sm.user_id)), '[]')
                     FROM squad_member sm WHERE sm.squad_id IN (SELECT id FROM squads)),
         'names', (SELECT COALESCE(json_agg(json_build_object('id', u.id, 'name', u.name)), '[]') FROM app_user u
                   WHERE u.id IN (SELECT jsonb_array_elements_text(data->'noShow')::uuid FROM ev WHERE jsonb_typeof(data->'noShow') = 'array'))
       ) AS around
     )
     SELECT ev.*, CASE WHEN row_number() OVER (ORDER BY ev.order_id, ev.seq) = 1 THEN (SELECT around FROM around) END AS around
     FROM ev ORDER BY ev.order_id, ev.seq`,
    [keys.map((k) => k[0]), keys.map((k) => k[1])],
  );
  const around = rows[0]?.around ?? none;
  return { events: rows.map(({ around: _first, ...e }) => e), around };
}

/** The people around some orders: who holds places on them, family, the places' staff, squads' members, names. */
export interface PeopleAround {
  /** The places on these orders (every round): who holds, held, or was let go. */
  assignments: Array<{ order_id: string; round: number; volunteer_id: string; state: string }>;
  /** The residents' family contacts, with the login that has the same mobile, if any. */
  family: Array<{ resident_id: string; phone: string; user_id: string | null }>;
  /** Grid workers and dispatchers of these places. */
  staff: Array<{ id: string; region_id: string }>;
  members: Array<{ squad_id: string; user_id: string }>;
  names: Array<{ id: string; name: string }>;
}

/** Grid workers and dispatchers whose place is one of these (the staff of the level an order sits at). */
export async function staffAt(m: Db, regionIds: readonly string[]): Promise<Array<{ id: string; region_id: string }>> {
  if (regionIds.length === 0) return [];
  return m.query(
    `SELECT id, region_id FROM app_user
     WHERE region_id = ANY($1::uuid[]) AND roles && ARRAY['grid_worker', 'dispatcher']::text[]`,
    [regionIds],
  );
}

/** Of these people, those told of a nearby order since `since` (the throttle of 附近新需求). */
export async function toldOfNearbySince(m: Db, ids: readonly string[], since: Date): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await m.query<Array<{ recipient_id: string }>>(
    `SELECT DISTINCT recipient_id FROM notification
     WHERE recipient_id = ANY($1::uuid[]) AND kind = 'task.nearby' AND created_at > $2`,
    [ids, since],
  );
  return new Set(rows.map((r) => r.recipient_id));
}

// ---------- writing notifications ----------

export interface NewNotification {
  recipientId: string | null;
  recipientPhone: string | null;
  kind: NotificationKind;
  orderId: string | null;
  source: string;
  title: string;
  body: string;
  urgent: boolean;
}

export interface NotificationRow {
  id: string;
  recipient_id: string | null;
  recipient_phone: string | null;
  kind: NotificationKind;
  order_id: string | null;
  source: string;
  title: string;
  body: string;
  urgent: boolean;
  created_at: Date;
  read_at: Date | null;
}

const NOTIFICATION_COLUMNS = `id::text, recipient_id, recipient_phone, kind, order_id, source, title, body, urgent, created_at, read_at`;

/**
 * The whole of what a fan-out writes, in one statement:
 * - the notifications; one already written (same source, kind and recipient: a retried job) is skipped;
 * - each one with a login announced on the live channel (sent at commit: nothing if the transaction rolls back),
 *   in toDto's shape;
 * - those whose person has the app open (the live module's presence rule) and hears in the app first (no
 *   preference: the default order) recorded as reached by that live message;
 * - a delivery job for each of the others;
 * - and, when given, one more job (the fan-out's offers to volunteers nearby), whatever was written.
 * Answers the rows written now.
 */
export async function emitNotifications(
  m: Db,
  items: readonly NewNotification[],
  at: Date,
  deliver: { maxAttempts: number },
  also?: { task: string; payload: unknown; maxAttempts: number; priority: number },
): Promise<NotificationRow[]> {
  if (items.length === 0 && also === undefined) return [];
  const rows = await m.query<Array<NotificationRow | { id: null }>>(
    `WITH ins AS (
       INSERT INTO notification (recipient_id, recipient_phone, kind, order_id, source, title, body, urgent, created_at)
       SELECT *, $9::timestamptz FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::boolean[])
       ON CONFLICT (source, kind, (COALESCE(recipient_id::text, recipient_phone))) DO NOTHING
       RETURNING id, recipient_id, recipient_phone, kind, order_id, source, title, body, urgent, created_at, read_at
     ), announced AS (
       SELECT pg_notify($10, json_build_object(
                't', 'n', 'to', ins.recipient_id,
                'n', json_build_object('id', ins.id::text, 'kind', ins.kind, 'title', ins.title, 'body', ins.body, 'orderId', ins.order_id,
                                       'urgent', ins.urgent, 'createdAt', to_char(ins.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                                       'readAt', NULL))::text)
       FROM ins WHERE ins.recipient_id IS NOT NULL
     ), reached AS (
       SELECT ins.id FROM ins LEFT JOIN notification_preference p ON p.user_id = ins.recipient_id
       WHERE ins.recipient_id IS NOT NULL AND (p.user_id IS NULL OR p.channel_order[1] = 'live')
         AND ${presentSql('ins.recipient_id')}
     ), recorded AS (
       INSERT INTO notification_delivery (notification_id, channel, status, detail, attempts, at)
       SELECT id, 'live', 'sent', '正在使用小程序', 1, $9 FROM reached
       ON CONFLICT (notification_id, channel) DO NOTHING
     ), queued AS (
       SELECT graphile_worker.add_jobs(array_agg(json_populate_record(NULL::graphile_worker.job_spec,
                json_build_object('identifier', 'deliver', 'payload', json_build_object('id', ins.id::text), 'max_attempts', $11::smallint))))
       FROM ins WHERE ins.id NOT IN (SELECT id FROM reached) HAVING count(*) > 0
     ), also AS (
       SELECT graphile_worker.add_job($12::text, $13::json, max_attempts := $14::int, priority := $15::int) WHERE $12::text IS NOT NULL
     ), done AS (
       -- selected below (a CTE's unselected columns are not computed), so that every part above runs, also when
       -- nothing new was written
       SELECT (SELECT count(*) FROM announced) + (SELECT count(*) FROM queued) + (SELECT count(*) FROM also) AS n
     )
     SELECT ins.id::text AS id, ins.recipient_id, ins.recipient_phone, ins.kind, ins.order_id, ins.source, ins.title, ins.body, ins.urgent,
            ins.created_at, ins.read_at, done.n AS effects
     FROM done LEFT JOIN ins ON true ORDER BY ins.id`,
    [
      items.map((i) => i.recipientId),
      items.map((i) => i.recipientPhone),
      items.map((i) => i.kind),
      items.map((i) => i.orderId),
      items.map((i) => i.source),
      items.map((i) => i.title),
      items.map((i) => i.body),
      items.map((i) => i.urgent),
      at,
      LIVE_CHANNEL,
      deliver.maxAttempts,
      also?.task ?? null,
      also === undefined ? null : JSON.stringify(also.payload),
      also?.maxAttempts ?? null,
      also?.priority ?? null,
    ],
  );
  // `done` drives the statement: one row of nulls when nothing new was written
  return rows.filter((r): r is NotificationRow => r.id !== null);
}

export function toDto(r: NotificationRow): NotificationDto {
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    body: r.body,
    orderId: r.order_id,
    urgent: r.urgent,
    createdAt: r.created_at.toISOString(),
    readAt: r.read_at ? r.read_at.toISOString() : null,
  };
}

// ---------- the inbox ----------

export async function inboxPage(m: Db, userId: string, before: string | null, limit: number): Promise<NotificationRow[]> {
  return m.query<NotificationRow[]>(
    `SELECT ${NOTIFICATION_COLUMNS} FROM notification
     WHERE recipient_id = $1 AND ($2::bigint IS NULL OR id < $2::bigint)
     ORDER BY id DESC LIMIT $3`,
    [userId, before, limit],
  );
}

export async function unreadCount(m: Db, userId: string): Promise<number> {
  const [row] = await m.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM notification WHERE recipient_id = $1 AND read_at IS NULL`, [userId]);
  return row!.n;
}

export async function markRead(m: Db, userId: string, ids: readonly string[] | 'all', at: Date): Promise<void> {
  if (ids === 'all') {
    await m.query(`UPDATE notification SET read_at = $2 WHERE recipient_id = $1 AND read_at IS NULL`, [userId, at]);
  } else if (ids.length > 0) {
    await m.query(`UPDATE notification SET read_at = $3 WHERE recipient_id = $1 AND id = ANY($2::bigint[]) AND read_at IS NULL`, [userId, ids, at]);
  }
}

// ---------- delivery ----------

/** A notification with what its delivery needs to know of the recipient. */
export interface DeliveryFacts extends NotificationRow {
  openid: string | null;
  phone: string | null;
  roles: string[] | null;
  channel_order: Channel[] | null;
  muted: Partial<Record<NotificationKind, Channel[]>> | null;
  sms_opt_in: boolean | null;
  /** The order's service and place (WeChat's template fields). */
  service: string | null;
  place: string | null;
}

export async function loadDeliveryFacts(m: Db, id: string): Promise<DeliveryFacts | undefined> {
  const [row] = await m.query<DeliveryFacts[]>(
    `SELECT n.id::text, n.recipient_id, n.recipient_phone, n.kind, n.order_id, n.source, n.title, n.body, n.urgent, n.created_at, n.read_at,
            u.wechat_openid AS openid, COALESCE(u.phone, n.recipient_phone) AS phone, u.roles,
            p.channel_order, p.muted, p.sms_opt_in, c.name AS service, r.name AS place
     FROM notification n
     LEFT JOIN app_user u ON u.id = n.recipient_id
     LEFT JOIN notification_preference p ON p.user_id = n.recipient_id
     LEFT JOIN service_order o ON o.id = n.order_id
     LEFT JOIN service_category c ON c.code = o.category_code
     LEFT JOIN region r ON r.id = o.region_id
     WHERE n.id = $1`,
    [id],
  );
  return row;
}

export type DeliveryStatus = 'sending' | 'sent' | 'failed' | 'skipped';

/**
 * Claims (notification, channel) for an attempt: a new row, or one whose earlier attempt did not finish. Answers
 * the row's status when it was already decided (sent, failed, skipped): that channel is not tried again.
 */
export async function claimDelivery(m: Db, id: string, channel: Channel, at: Date): Promise<{ claimed: boolean; status: DeliveryStatus }> {
  const rows = await m.query<Array<{ status: DeliveryStatus }>>(
    `INSERT INTO notification_delivery (notification_id, channel, status, attempts, at) VALUES ($1, $2, 'sending', 1, $3)
     ON CONFLICT (notification_id, channel) DO UPDATE SET attempts = notification_delivery.attempts + 1, at = $3
       WHERE notification_delivery.status = 'sending'
     RETURNING status`,
    [id, channel, at],
  );
  if (rows.length > 0) return { claimed: true, status: 'sending' };
  const [row] = await m.query<Array<{ status: DeliveryStatus }>>(`SELECT status FROM notification_delivery WHERE notification_id = $1 AND channel = $2`, [
    id,
    channel,
  ]);
  return { claimed: false, status: row!.status };
}

export async function recordDelivery(
  m: Db,
  id: string,
  channel: Channel,
  status: Exclude<DeliveryStatus, 'sending'>,
  detail: string | null,
  at: Date,
  phone: string | null = null,
): Promise<void> {
  await m.query(
    `INSERT INTO notification_delivery (notification_id, channel, status, detail, at, phone) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (notification_id, channel) DO UPDATE SET status = $3, detail = $4, at = $5, phone = COALESCE($6, notification_delivery.phone)`,
    [id, channel, status, detail, at, phone],
  );
}

/** A dead delivery retried by an admin: its failed channels may be tried again, unless someone reached the person. */
export async function reopenFailedDeliveries(m: Db, notificationIds: readonly string[]): Promise<void> {
  if (notificationIds.length === 0) return;
  await m.query(
    `UPDATE notification_delivery d SET status = 'sending', detail = NULL
     WHERE d.notification_id = ANY($1::bigint[]) AND d.status = 'failed'
       AND NOT EXISTS (SELECT 1 FROM notification_delivery s WHERE s.notification_id = d.notification_id AND s.status = 'sent')`,
    [notificationIds],
  );
}

/** Notice texts sent to this phone since `since` (SMS_DAILY_CAP). */
export async function smsSentSince(m: Db, phone: string, since: Date): Promise<number> {
  const [row] = await m.query<Array<{ n: number }>>(
    `SELECT count(*)::int AS n FROM notification_delivery WHERE channel = 'sms' AND status = 'sent' AND phone = $1 AND at > $2`,
    [phone, since],
  );
  return row!.n;
}

// ---------- WeChat subscription quota ----------

/** Takes one send of the person's quota for the template; false when none is left. */
export async function takeQuota(m: Db, userId: string, templateId: string): Promise<boolean> {
  const rows = await updateReturning<unknown>(
    m,
    `UPDATE subscribe_quota SET remaining = remaining - 1, updated_at = now() WHERE user_id = $1 AND template_id = $2 AND remaining > 0 RETURNING 1`,
    [userId, templateId],
  );
  return rows.length > 0;
}

export async function giveQuotaBack(m: Db, userId: string, templateId: string): Promise<void> {
  await m.query(`UPDATE subscribe_quota SET remaining = remaining + 1, updated_at = now() WHERE user_id = $1 AND template_id = $2`, [userId, templateId]);
}

/** WeChat says the person has no subscription left (43101): what we counted was wrong. */
export async function clearQuota(m: Db, userId: string, templateId: string): Promise<void> {
  await m.query(`UPDATE subscribe_quota SET remaining = 0, updated_at = now() WHERE user_id = $1 AND template_id = $2`, [userId, templateId]);
}

/** Each accepted template is one more send (WeChat's one-time subscription). */
export async function addQuota(m: Db, userId: string, templateIds: readonly string[]): Promise<void> {
  if (templateIds.length === 0) return;
  await m.query(
    `INSERT INTO subscribe_quota (user_id, template_id, remaining) SELECT $1, t, count(*) FROM unnest($2::text[]) AS t GROUP BY t
     ON CONFLICT (user_id, template_id) DO UPDATE SET remaining = subscribe_quota.remaining + EXCLUDED.remaining, updated_at = now()`,
    [userId, templateIds],
  );
}

export async function quotaOf(m: Db, userId: string): Promise<Record<string, number>> {
  const rows = await m.query<Array<{ template_id: string; remaining: number }>>(`SELECT template_id, remaining FROM subscribe_quota WHERE user_id = $1`, [
    userId,
  ]);
  return Object.fromEntries(rows.map((r) => [r.template_id, r.remaining]));
}

// ---------- preferences ----------

export interface PreferenceRow {
  channel_order: Channel[];
  muted: Partial<Record<NotificationKind, Channel[]>>;
  sms_opt_in: boolean;
}

export async function loadPreferences(m: Db, userId: string): Promise<PreferenceRow | undefined> {
  const [row] = await m.query<PreferenceRow[]>(`SELECT channel_order, muted, sms_opt_in FROM notification_preference WHERE user_id = $1`, [userId]);
  return row;
}

export async function savePreferences(m: Db, userId: string, p: PreferenceRow, at: Date): Promise<void> {
  await m.query(
    `INSERT INTO notification_preference (user_id, channel_order, muted, sms_opt_in, updated_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (user_id) DO UPDATE SET channel_order = $2, muted = $3, sms_opt_in = $4, updated_at = $5`,
    [userId, p.channel_order, JSON.stringify(p.muted), p.sms_opt_in, at],
  );
}

// ---------- what staff see on an order's timeline ----------

export interface OrderDeliveryRow {
  notification_id: string;
  kind: NotificationKind;
  recipient_name: string | null;
  recipient_phone: string | null;
  created_at: Date;
  channel: Channel | null;
  status: DeliveryStatus | null;
  detail: string | null;
  at: Date | null;
}

export async function deliveriesOfOrder(m: Db, orderId: string): Promise<OrderDeliveryRow[]> {
  return m.query<OrderDeliveryRow[]>(
    `SELECT n.id::text AS notification_id, n.kind, u.name AS recipient_name, n.recipient_phone, n.created_at,
            d.channel, d.status, d.detail, d.at
     FROM notification n
     LEFT JOIN app_user u ON u.id = n.recipient_id
     LEFT JOIN notification_delivery d ON d.notification_id = n.id
     WHERE n.order_id = $1
     ORDER BY n.id, d.at`,
    [orderId],
  );
}

// ---------- timed alarms ----------

/**
 * Orders waiting at the county since before `since` (taken from their last escalation), with when they got there
 * (`at_county_since`) and when their wait began (`waiting_since`: placed, or last reopened).
 */
export async function waitingAtCounty(
  m: Db,
  since: Date,
  limit: number,
): Promise<Array<{ id: string; at_county_since: Date; round: number; waiting_since: Date }>> {
  return m.query(
    `SELECT o.id, e.at AS at_county_since, o.round, ${WAITING_SINCE} AS waiting_since
     FROM service_order o
     JOIN LATERAL (SELECT max(at) AS at FROM order_event WHERE order_id = o.id AND type = 'escalate') e ON true
     WHERE o.escalation_level = 'county' AND o.status IN ('pending', 'dispatched') AND e.at IS NOT NULL AND e.at <= $1
     ORDER BY e.at LIMIT $2`,
    [since, limit],
  );
}

/**
 * New orders nobody has accepted yet whose 兜底责任人 has not been alarmed in this round: waiting since before
 * `normalBefore` (urgent ones: `urgentBefore`) and still inside their first window (at the deadline the escalation
 * itself alarms them). The partial index service_order_unaccepted_idx keeps this to the orders still waiting.
 */
export async function waitingForResponsible(
  m: Db,
  normalBefore: Date,
  urgentBefore: Date,
  now: Date,
  limit: number,
): Promise<Array<{ id: string; round: number; waiting_since: Date }>> {
  // a reopened order waits anew from its reopening (and has a new deadline then: migration ReopenStartsANewWait)
  return m.query(
    `SELECT o.id, o.round, ${WAITING_SINCE} AS waiting_since
     FROM service_order o
     WHERE o.status IN ('pending', 'dispatched') AND o.accepted_count = 0 AND o.responsible_id IS NOT NULL AND o.deadline_at > $3
       AND ${WAITING_SINCE} <= CASE WHEN o.urgency = 'urgent' THEN $2::timestamptz ELSE $1::timestamptz END
       AND NOT EXISTS (SELECT 1 FROM notification n WHERE n.source = 'waiting:' || o.id || ':' || o.round AND n.kind = 'staff.waiting')
     ORDER BY o.created_at LIMIT $4`,
    [normalBefore, urgentBefore, now, limit],
  );
}

/** A minimal order for alarms not caused by one event (overdue, nobody found). */
export async function loadOrderFacts(
  m: Db,
  orderIds: readonly string[],
): Promise<Array<Omit<EventFacts, 'seq' | 'type' | 'actor_id' | 'actor_name' | 'at' | 'to_status' | 'reason' | 'data'>>> {
  if (orderIds.length === 0) return [];
  return m.query(`SELECT o.id AS order_id, ${ORDER_FACTS} FROM service_order o ${ORDER_FACT_JOINS} WHERE o.id = ANY($1::uuid[])`, [orderIds]);
}
