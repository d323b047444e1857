import {
  NOTIFICATION_KINDS,
  NOTIFICATION_KIND_INFO,
  shortOfPeople,
  type Channel,
  type FailedJobDto,
  type MarkReadDto,
  type MatchWeights,
  type NotificationKind,
  type NotificationPageDto,
  type NotificationPageQuery,
  type NotificationPreferencesDto,
  type OrderNotificationDto,
  type ReportSubscriptionsDto,
  type SubscriptionsDto,
  type UpdateNotificationPreferencesDto,
} from '@bangbang/shared';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../../clock';
import type { NotifyConfig } from '../../config';
import { addJob, deadJobs, retryJobs, type DeadJobRow } from '../../db/jobs';
import { fieldError } from '../../errors';
import { maskPhone } from '../access/privacy';
import { requireRole, type Actor } from '../auth/actor';
import { findCandidatesForOrders } from '../matching/candidates';
import { onlineAmong } from '../live/live.repo';
import { loadOrder } from '../orders/order.repo';
import type { OrderRow } from '../orders/order-row';
import { channelOrder, isMuted, layoutOf, nextChannel, pageOf, smsWanted, type WechatLayout } from './delivery';
import { fanOut, type Around } from './fanout';
import {
  addQuota,
  claimDelivery,
  clearQuota,
  deliveriesOfOrder,
  giveQuotaBack,
  inboxPage,
  loadDeliveryFacts,
  loadFanOutFacts,
  loadOrderFacts,
  emitNotifications,
  loadPreferences,
  markRead,
  quotaOf,
  recordDelivery,
  reopenFailedDeliveries,
  savePreferences,
  smsSentSince,
  staffAt,
  takeQuota,
  toDto,
  toldOfNearbySince,
  unreadCount,
  waitingAtCounty,
  waitingForResponsible,
  type DeliveryFacts,
  type PeopleAround,
  type NewNotification,
} from './notifications.repo';
import { STATUS_WORDS, orderTextFacts, textOf } from './texts';

/**
 * Reaching people (issue 19). Three jobs do the work, each run once by whichever API process takes it:
 * - `order-events` (added by the outbox trigger with every change): who must hear what → notifications in the
 *   inbox, live messages at commit, one `deliver` job per notification, and `nearby` offers;
 * - `nearby`: the on-duty volunteers nearest to an order waiting for someone, at most one such message per person
 *   in NEARBY_NOTIFY_MINUTES;
 * - `deliver`: the person's channels in their order until one reaches them, every outcome recorded.
 * And from the minute's timed job: alarms for orders nobody could be found for and orders overdue at the county.
 */

/** A WeChat subscription message as the channel sends it. */
export interface SubscribeMessage {
  openid: string;
  templateId: string;
  page: string;
  data: Record<string, { value: string }>;
}

export type ChannelResult = { outcome: 'sent' } | { outcome: 'no_quota'; detail: string } | { outcome: 'rejected'; detail: string };

/** The outward channels (modules/notifications/channels, modules/phone), handed in by the composition root. */
export interface Channels {
  /** Undefined when WeChat is not configured. */
  wechat: { send(m: SubscribeMessage): Promise<ChannelResult> } | undefined;
  wechatData(layout: WechatLayout, facts: { service: string; status?: string; place?: string; time: Date; note: string }): Record<string, { value: string }>;
  /** Undefined when no notice SMS is configured. */
  sms: { notice(phone: string, content: string): Promise<void> } | undefined;
  inQuietHours(now: Date): boolean;
  /** A failure worth trying again later (a provider outage), as opposed to one that will never succeed. */
  isTransient(err: unknown): boolean;
}

export interface NotificationServiceDeps {
  db: DataSource;
  clock: Clock;
  config: NotifyConfig;
  matching: { weights: MatchWeights; maxActiveTasks: number };
  channels: Channels;
  /** 404/403 unless the person oversees the order (modules/orders). */
  checkOversees: (actor: Actor, orderId: string) => Promise<void>;
}

export interface JobRun {
  attempts: number;
  maxAttempts: number;
}

type Db = Pick<EntityManager, 'query'>;

const MINUTE = 60_000;
const DELIVERY_ATTEMPTS = 5;

/** The kinds a person can hear, by their roles (everyone may be a resident or someone's family). */
function kindsFor(roles: readonly string[]): NotificationKind[] {
  const staff = roles.some((r) => r === 'grid_worker' || r === 'dispatcher' || r === 'admin');
  const volunteer = roles.some((r) => r === 'volunteer' || r === 'grid_worker');
  return NOTIFICATION_KINDS.filter((k) => {
    const a = NOTIFICATION_KIND_INFO[k].audience;
    return a === 'resident' || (a === 'volunteer' && volunteer) || (a === 'staff' && staff);
  });
}

const ADMINS_ONLY = '只有管理员可以查看和重试失败的后台任务。';

function failedJobDto(j: DeadJobRow): FailedJobDto {
  return {
    id: j.id,
    task: j.task_identifier,
    payload: j.payload,
    attempts: j.attempts,
    lastError: j.last_error,
    createdAt: j.created_at.toISOString(),
    updatedAt: j.updated_at.toISOString(),
  };
}

export type NotificationService = ReturnType<typeof createNotificationService>;

export function createNotificationService({ db, clock, config, matching, channels, checkOversees }: NotificationServiceDeps) {
  const templateOf = (layout: WechatLayout): string | undefined => config.wechatTemplates[layout];

  /**
   * Writes notifications with their live messages and delivery jobs, in the caller's transaction, in one statement
   * (under a burst each round trip of the job waits for a busy event loop). A person who has the app open and hears
   * in the app first is reached by the live message itself: recorded so, no delivery job.
   */
  async function emit(
    m: Db,
    items: NewNotification[],
    now: Date,
    also?: { task: string; payload: unknown; maxAttempts: number; priority: number },
  ): Promise<number> {
    const rows = await emitNotifications(m, items, now, { maxAttempts: DELIVERY_ATTEMPTS }, also);
    return rows.length;
  }

  /** The people around the events' orders, by order, resident, place and squad. */
  function aroundOf(read: PeopleAround): Around {
    const group = <T, K>(rows: T[], key: (r: T) => K): Map<K, T[]> => {
      const map = new Map<K, T[]>();
      for (const r of rows) map.set(key(r), [...(map.get(key(r)) ?? []), r]);
      return map;
    };
    return {
      assignments: group(read.assignments, (a) => a.order_id),
      family: group(read.family, (f) => f.resident_id),
      staff: new Map([...group(read.staff, (x) => x.region_id)].map(([k, v]) => [k, v.map((x) => x.id)])),
      members: new Map([...group(read.members, (x) => x.squad_id)].map(([k, v]) => [k, v.map((x) => x.user_id)])),
      names: new Map(read.names.map((n) => [n.id, n.name])),
    };
  }

  /** The `order-events` job: the events' notifications and live messages, once (a retry writes nothing twice). */
  async function onOrderEvents(payload: unknown): Promise<void> {
    const keys = ((payload as { events?: unknown })?.events ?? []) as Array<[string, number]>;
    if (keys.length === 0) return;
    const now = clock();
    // No transaction around the two: the read holds no lock and a transaction under READ COMMITTED would give it no
    // other snapshot, and the write is one statement, atomic by itself. Under a burst each BEGIN and COMMIT is one
    // more round trip to a busy database between a change and the person hearing of it.
    const { events, around } = await loadFanOutFacts(db, keys);
    const out = fanOut(events, aroundOf(around), now);
    // offers to volunteers nearby search the map: a job of their own, after the deliveries of what happened
    const nearby = out.nearby.length > 0 ? { task: 'nearby', payload: { offers: out.nearby }, maxAttempts: 3, priority: 5 } : undefined;
    await emit(db, out.notifications, now, nearby);
  }

  /**
   * The `nearby` job: 附近新需求 to the on-duty volunteers nearest to each order still waiting (who may take it),
   * at most one such message per person in NEARBY_NOTIFY_MINUTES. One job for the orders of one outbox job: their
   * candidates are found in one search.
   */
  async function onNearby(payload: unknown): Promise<void> {
    const offers = ((payload as { offers?: unknown })?.offers ?? []) as Array<{ orderId: string; source: string }>;
    if (config.nearbyLimit <= 0 || offers.length === 0) return;
    const now = clock();
    await db.transaction(async (m) => {
      const orders = (await Promise.all(offers.map((o) => loadOrder(m, o.orderId)))).filter(
        (o): o is OrderRow => o !== undefined && (o.status === 'pending' || shortOfPeople(o.status, o.accepted_count, o.headcount)),
      );
      if (orders.length === 0) return;
      const found = await findCandidatesForOrders(m, orders, { weights: matching.weights, maxActiveTasks: matching.maxActiveTasks, now, limit: 30 });
      const facts = await loadOrderFacts(
        m,
        orders.map((o) => o.id),
      );
      const since = new Date(now.getTime() - config.nearbyThrottleMinutes * MINUTE);
      const told = await toldOfNearbySince(m, [...new Set([...found.values()].flat().map((c) => c.id))], since);
      const items: NewNotification[] = [];
      for (const o of orders) {
        const f = facts.find((x) => x.order_id === o.id);
        const offer = offers.find((x) => x.orderId === o.id);
        if (!f || !offer) continue;
        const chosen = (found.get(o.id) ?? [])
          .filter((c) => c.kind === 'volunteer' && c.id !== o.resident_id && !told.has(c.id))
          .sort((a, b) => (a.distanceMeters ?? Infinity) - (b.distanceMeters ?? Infinity))
          .slice(0, config.nearbyLimit);
        for (const c of chosen) {
          // one offer per person per job too: the throttle holds within a burst
          told.add(c.id);
          const text = textOf('task.nearby', orderTextFacts(f, { km: c.distanceMeters === null ? null : c.distanceMeters / 1000 }), now);
          items.push({
            recipientId: c.id,
            recipientPhone: null,
            kind: 'task.nearby',
            orderId: o.id,
            source: offer.source,
            title: text.title,
            body: text.body,
            urgent: f.urgency === 'urgent',
          });
        }
      }
      await emit(m, items, now);
    });
  }

  /** Alarms to the staff of the level an order waits at, for orders not caused by one event. */
  async function alarm(
    m: Db,
    kind: 'staff.unmatched' | 'staff.overdue' | 'staff.waiting',
    orders: Array<{ id: string; source: string; waitedMinutes?: number }>,
    now: Date,
  ): Promise<number> {
    if (orders.length === 0) return 0;
    const facts = await loadOrderFacts(
      m,
      orders.map((o) => o.id),
    );
    const staff = await staffAt(m, [...new Set(facts.map((f) => f.scope_region_id))]);
    const items: NewNotification[] = [];
    for (const o of orders) {
      const f = facts.find((x) => x.order_id === o.id);
      if (!f) continue;
      const said = (k: NotificationKind) => textOf(k, orderTextFacts(f, { waitedMinutes: o.waitedMinutes }), now);
      const to = (k: NotificationKind, recipientId: string) => {
        const text = said(k);
        items.push({
          recipientId,
          recipientPhone: null,
          kind: k,
          orderId: o.id,
          source: o.source,
          title: text.title,
          body: text.body,
          urgent: f.urgency === 'urgent',
        });
      };
      if (kind === 'staff.waiting') {
        // only the person answerable for it: the level's staff hear when it escalates to them
        if (f.responsible_id !== null) to(kind, f.responsible_id);
        continue;
      }
      for (const s of staff.filter((x) => x.region_id === f.scope_region_id)) to(kind, s.id);
      // 兜底: overdue at the county, the person answerable for it hears each time too
      if (kind === 'staff.overdue' && f.responsible_id !== null) to('staff.waiting', f.responsible_id);
    }
    return emit(m, items, now);
  }

  /** Auto-dispatch found nobody for these orders: their staff are told once per round. */
  async function alarmUnmatched(orderIds: readonly string[], now: Date): Promise<number> {
    if (orderIds.length === 0) return 0;
    return db.transaction(async (m) => {
      const facts = await loadOrderFacts(m, orderIds);
      return alarm(
        m,
        'staff.unmatched',
        facts.map((f) => ({ id: f.order_id, source: `unmatched:${f.order_id}:${f.round}` })),
        now,
      );
    });
  }

  /**
   * At the county an order never just waits: COUNTY_OVERDUE_MINUTES after it got there with nobody on it, the
   * county's dispatchers and its 兜底责任人 are alarmed, and again every COUNTY_ALARM_REPEAT_MINUTES until someone
   * accepts it. Each alarm is named by its period (`overdue:<order>:<round>:<n>`), and a notification is unique per
   * (source, kind, recipient): however many sweeps run, in however many processes, each period alarms each person
   * exactly once, and a sweep that missed periods (the queue was stopped) says it once, not once per period missed.
   */
  async function alarmOverdue(now: Date): Promise<number> {
    const first = config.countyOverdueMinutes * MINUTE;
    const every = config.countyAlarmRepeatMinutes * MINUTE;
    return db.transaction(async (m) => {
      const due = await waitingAtCounty(m, new Date(now.getTime() - first), 500);
      return alarm(
        m,
        'staff.overdue',
        due.map((o) => {
          const atCounty = now.getTime() - o.at_county_since.getTime();
          const period = Math.floor((atCounty - first) / every);
          const waited = Math.floor((now.getTime() - o.waiting_since.getTime()) / MINUTE);
          return { id: o.id, source: `overdue:${o.id}:${o.round}:${period}`, waitedMinutes: waited };
        }),
        now,
      );
    });
  }

  /**
   * 兜底 from the first minutes: a new order nobody has accepted RESPONSIBLE_ALARM_MINUTES after it was placed
   * (urgent: RESPONSIBLE_ALARM_URGENT_MINUTES) alarms its responsible person once per round
   * (`waiting:<order>:<round>`, unique like every alarm), who may then take it or dispatch it.
   */
  async function alarmWaiting(now: Date): Promise<number> {
    return db.transaction(async (m) => {
      const due = await waitingForResponsible(
        m,
        new Date(now.getTime() - config.responsibleAlarmMinutes * MINUTE),
        new Date(now.getTime() - config.responsibleAlarmUrgentMinutes * MINUTE),
        now,
        500,
      );
      return alarm(
        m,
        'staff.waiting',
        due.map((o) => ({ id: o.id, source: `waiting:${o.id}:${o.round}`, waitedMinutes: Math.floor((now.getTime() - o.waiting_since.getTime()) / MINUTE) })),
        now,
      );
    });
  }

  // ---------- delivery ----------

  type Step = 'reached' | 'next';

  /** A transient failure: tried again by the queue with backoff; on the last attempt recorded as failed. */
  async function transient(f: DeliveryFacts, channel: Channel, err: unknown, job: JobRun): Promise<Step> {
    if (job.attempts < job.maxAttempts) throw err;
    const message = err instanceof Error ? err.message : String(err);
    await recordDelivery(db, f.id, channel, 'failed', `重试 ${job.attempts} 次后仍失败：${message}`.slice(0, 200), clock());
    // the person is still reached by the next channel, in a job of its own; this one stays as a dead letter
    await addJob(db, 'deliver', { id: f.id, after: channel }, { maxAttempts: DELIVERY_ATTEMPTS, jobKey: `deliver:${f.id}:after:${channel}` });
    throw err;
  }

  /**
   * One channel, once: the (notification, channel) row is claimed first, so a channel already decided — by an
   * earlier attempt of this job or another job — is never tried again (sent: the person was reached).
   */
  async function attempt(f: DeliveryFacts, channel: Channel, tryIt: (skip: (detail: string) => Promise<Step>) => Promise<Step>): Promise<Step> {
    const claim = await claimDelivery(db, f.id, channel, clock());
    if (!claim.claimed) return claim.status === 'sent' ? 'reached' : 'next';
    return tryIt(async (detail) => {
      await recordDelivery(db, f.id, channel, 'skipped', detail, clock());
      return 'next';
    });
  }

  async function viaLive(f: DeliveryFacts): Promise<Step> {
    const userId = f.recipient_id;
    if (userId === null) return 'next';
    return attempt(f, 'live', async (skip) => {
      if (!(await onlineAmong(db, [userId])).has(userId)) return skip('未打开小程序');
      await recordDelivery(db, f.id, 'live', 'sent', '正在使用小程序', clock());
      return 'reached';
    });
  }

  async function viaWechat(f: DeliveryFacts, job: JobRun): Promise<Step> {
    const userId = f.recipient_id;
    const openid = f.openid;
    return attempt(f, 'wechat', async (skip) => {
      if (userId === null || openid === null) return skip('未用微信登录过小程序');
      if (isMuted(f, 'wechat')) return skip('本人已关闭这类微信提醒');
      const layout = layoutOf(f.kind);
      const templateId = templateOf(layout);
      if (!channels.wechat || !templateId) return skip('未配置微信订阅消息');
      if (!(await takeQuota(db, userId, templateId))) return skip('本人没有可用的订阅（未点「允许」或已用完）');
      const now = clock();
      const status = STATUS_WORDS[f.kind];
      let result: ChannelResult;
      try {
        result = await channels.wechat.send({
          openid,
          templateId,
          page: pageOf(f.kind, f.order_id),
          data: channels.wechatData(layout, { service: f.service ?? f.title, status, place: f.place ?? '', time: f.created_at ?? now, note: f.body }),
        });
      } catch (err) {
        // WeChat did not take it: the send is still the person's
        await giveQuotaBack(db, userId, templateId);
        if (channels.isTransient(err)) return transient(f, 'wechat', err, job);
        await recordDelivery(db, f.id, 'wechat', 'failed', err instanceof Error ? err.message : String(err), clock());
        return 'next';
      }
      if (result.outcome === 'sent') {
        await recordDelivery(db, f.id, 'wechat', 'sent', null, clock());
        return 'reached';
      }
      if (result.outcome === 'no_quota') {
        await clearQuota(db, userId, templateId);
        return skip(result.detail);
      }
      await giveQuotaBack(db, userId, templateId);
      await recordDelivery(db, f.id, 'wechat', 'failed', result.detail, clock());
      return 'next';
    });
  }

  async function viaSms(f: DeliveryFacts, job: JobRun): Promise<Step> {
    if (!smsWanted(f)) return 'next';
    const phone = f.phone;
    return attempt(f, 'sms', async (skip) => {
      const now = clock();
      if (isMuted(f, 'sms')) return skip('本人已关闭这类短信提醒');
      if (phone === null) return skip('没有手机号');
      if (!channels.sms) return skip('未配置通知短信');
      if (!f.urgent && channels.inQuietHours(now)) return skip('夜间免打扰时段，不发短信');
      if ((await smsSentSince(db, phone, new Date(now.getTime() - 24 * 60 * MINUTE))) >= config.smsDailyCap) {
        return skip(`今天已发 ${config.smsDailyCap} 条短信，达到上限`);
      }
      try {
        await channels.sms.notice(phone, `${f.title}：${f.body}`);
      } catch (err) {
        if (channels.isTransient(err)) return transient(f, 'sms', err, job);
        await recordDelivery(db, f.id, 'sms', 'failed', err instanceof Error ? err.message : String(err), clock(), phone);
        return 'next';
      }
      await recordDelivery(db, f.id, 'sms', 'sent', null, clock(), phone);
      return 'reached';
    });
  }

  /** The `deliver` job: the person's channels after `after`, in their order, until one reaches them. */
  async function onDeliver(payload: unknown, job: JobRun): Promise<void> {
    const { id, after } = payload as { id: string; after?: Channel };
    const f = await loadDeliveryFacts(db, id);
    if (!f) return;
    const order = channelOrder(f);
    for (let ch = nextChannel(order, after); ch !== undefined; ch = nextChannel(order, ch)) {
      const step = ch === 'live' ? await viaLive(f) : ch === 'wechat' ? await viaWechat(f, job) : await viaSms(f, job);
      if (step === 'reached') return;
    }
  }

  // ---------- the person's own ----------

  async function inbox(actor: Actor, q: NotificationPageQuery): Promise<NotificationPageDto> {
    const limit = q.limit ? Number(q.limit) : 20;
    return db.transaction(async (m) => {
      const rows = await inboxPage(m, actor.id, q.before ?? null, limit + 1);
      const items = rows.slice(0, limit).map(toDto);
      return { items, unread: await unreadCount(m, actor.id), nextBefore: rows.length > limit ? items[items.length - 1]!.id : null };
    });
  }

  async function read(actor: Actor, body: MarkReadDto): Promise<{ unread: number }> {
    if (body.all !== true && (body.ids === undefined || body.ids.length === 0))
      throw fieldError('ids', '请指定要标为已读的消息（ids），或全部已读（all: true）');
    return db.transaction(async (m) => {
      await markRead(m, actor.id, body.all === true ? 'all' : body.ids!, clock());
      return { unread: await unreadCount(m, actor.id) };
    });
  }

  async function preferences(actor: Actor): Promise<NotificationPreferencesDto> {
    const p = await loadPreferences(db, actor.id);
    return {
      channelOrder: channelOrder({ channel_order: p?.channel_order ?? null }),
      muted: p?.muted ?? {},
      smsOptIn: p?.sms_opt_in ?? false,
      kinds: kindsFor(actor.roles),
    };
  }

  async function updatePreferences(actor: Actor, body: UpdateNotificationPreferencesDto): Promise<NotificationPreferencesDto> {
    const current = await preferences(actor);
    if (body.channelOrder !== undefined && new Set(body.channelOrder).size !== body.channelOrder.length) {
      throw fieldError('channelOrder', '渠道顺序里有重复的渠道');
    }
    let muted = current.muted;
    if (body.muted !== undefined) {
      muted = {};
      for (const [kind, chans] of Object.entries(body.muted)) {
        if (!(NOTIFICATION_KINDS as readonly string[]).includes(kind)) throw fieldError(`muted.${kind}`, `没有「${kind}」这类消息`);
        // the app always shows what comes in while it is open: only the outside channels can be switched off
        if (!Array.isArray(chans) || chans.some((c) => c !== 'wechat' && c !== 'sms')) {
          throw fieldError(`muted.${kind}`, '只能关闭微信（wechat）或短信（sms）提醒；小程序内的消息总会显示');
        }
        if (chans.length > 0) muted[kind as NotificationKind] = [...new Set(chans)];
      }
    }
    await savePreferences(
      db,
      actor.id,
      { channel_order: channelOrder({ channel_order: body.channelOrder ?? current.channelOrder }), muted, sms_opt_in: body.smsOptIn ?? current.smsOptIn },
      clock(),
    );
    return preferences(actor);
  }

  function templates(): Partial<Record<NotificationKind, string>> {
    const out: Partial<Record<NotificationKind, string>> = {};
    for (const k of NOTIFICATION_KINDS) {
      const id = templateOf(layoutOf(k));
      if (id) out[k] = id;
    }
    return out;
  }

  async function subscriptions(actor: Actor): Promise<SubscriptionsDto> {
    return { templates: templates(), quota: await quotaOf(db, actor.id) };
  }

  async function reportSubscriptions(actor: Actor, body: ReportSubscriptionsDto): Promise<SubscriptionsDto> {
    const known = new Set(Object.values(templates()));
    const unknown = body.accepted.find((t) => !known.has(t));
    if (unknown !== undefined) throw fieldError('accepted', `「${unknown}」不是本小程序的订阅消息模板`);
    await addQuota(db, actor.id, body.accepted);
    return subscriptions(actor);
  }

  /** What was sent about an order, to whom, by which channel (staff's view of the timeline). */
  async function ofOrder(actor: Actor, orderId: string): Promise<OrderNotificationDto[]> {
    await checkOversees(actor, orderId);
    const rows = await deliveriesOfOrder(db, orderId);
    return rows.map((r) => ({
      kind: r.kind,
      recipient: r.recipient_name ?? (r.recipient_phone ? maskPhone(r.recipient_phone) : '—'),
      channel: r.channel,
      status: r.status,
      detail: r.detail,
      at: (r.at ?? r.created_at).toISOString(),
    }));
  }

  // ---------- dead letters ----------

  async function failedJobs(actor: Actor, limit = 100): Promise<FailedJobDto[]> {
    requireRole(actor, ['admin'], ADMINS_ONLY);
    return (await deadJobs(db, limit)).map(failedJobDto);
  }

  /** Runs dead jobs again; a delivery that failed on every try may be tried again where nobody has been reached. */
  async function retry(actor: Actor, ids: readonly string[]): Promise<string[]> {
    requireRole(actor, ['admin'], ADMINS_ONLY);
    return db.transaction(async (m) => {
      const dead = (await deadJobs(m, 1000)).filter((j) => ids.includes(j.id));
      const notifications = dead
        .filter((j) => j.task_identifier === 'deliver')
        .map((j) => (j.payload as { id?: string }).id)
        .filter((x): x is string => typeof x === 'string');
      await reopenFailedDeliveries(m, notifications);
      return retryJobs(
        m,
        dead.map((j) => j.id),
      );
    });
  }

  return {
    tasks: { 'order-events': onOrderEvents, nearby: onNearby, deliver: onDeliver },
    alarmUnmatched,
    alarmOverdue,
    alarmWaiting,
    inbox,
    read,
    preferences,
    updatePreferences,
    subscriptions,
    reportSubscriptions,
    ofOrder,
    failedJobs,
    retry,
  };
}
