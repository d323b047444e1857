import {
  DEFAULT_VISIT_FREQUENCIES,
  FAR_CHECK_IN_METERS,
  LEDGER_TAGS,
  LEDGER_TAG_NAMES,
  distanceMeters,
  visitPeriodLabel,
  type CreateOrderDto,
  type ErrorDetail,
  type LedgerTag,
  type MissedVisitsDto,
  type RecordVisitDto,
  type SetVisitPlanDto,
  type VisitCheckInDto,
  type VisitCoverageDto,
  type VisitCoverageQuery,
  type VisitCoverageRowDto,
  type VisitDto,
  type VisitPlanDto,
  type VisitPlanEntryDto,
  type VisitState,
} from '@bangbang/shared';
import ExcelJS from 'exceljs';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../../clock';
import { AppError, ConflictError, ForbiddenError, NotFoundError, UUID_PATTERN, fieldError } from '../../errors';
import { writeAccessLog } from '../access/access-log';
import { covers, isStaff, jurisdictionOf } from '../access/jurisdiction';
import { recordAudit, type AuditContext } from '../audit/service';
import { requireRole, type Actor } from '../auth/actor';
import { createOrder } from '../orders/creation';
import { loadViewer } from '../orders/standing';
import { regionOr404 } from '../regions/lookup';
import { emitNotifications, type NewNotification } from '../notifications/notifications.repo';
import { generateVisits, type Generated } from './generation';
import {
  coverageRows,
  escalateMissed,
  loadVisit,
  markOrderFromVisit,
  missedUnder,
  plansAbove,
  recordCheckIn,
  recordVisit,
  staffAtLevel,
  visitsOf,
  writePlans,
  type CoverageRow,
  type EscalatedRow,
  type VisitRow,
} from './visits.repo';

/**
 * 走访 (issue 22, item 1): visit plans, the visits the job queue makes of them, the visit at the door (check-in,
 * record, a need turned into an order on the household's behalf), missed visits flagged and escalated, coverage.
 * Each call one unit of work; routes only translate HTTP to these calls.
 */
export interface VisitServiceDeps {
  db: DataSource;
  clock: Clock;
  /** Pool mode: how long an order is offered in the task hall (an order a visit finds is an order like any other). */
  poolOfferMinutes: number;
  contactHours?: number;
  /** A missed visit goes one level up (assignee → community → town → county) every this many hours. */
  escalateEveryHours?: number;
}

export type VisitService = ReturnType<typeof createVisitService>;

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** The levels a missed visit's alarm reaches, by escalation level (1 is the assignee). */
const ALARM_LEVELS = { 2: 'community', 3: 'town', 4: 'county' } as const;
const LEVEL_WORDS = { 2: '社区（村）', 3: '苏木乡镇（街道）', 4: '旗县区' } as const;

const visitNotFound = (): NotFoundError => new NotFoundError('走访任务不存在，或不在您的管辖范围内。');

function stateOf(v: VisitRow, now: Date): VisitState {
  if (v.done_at !== null) return 'done';
  if (v.due_at <= now) return 'missed';
  return v.checked_in_at !== null ? 'checked_in' : 'open';
}

export function presentVisit(v: VisitRow, now: Date): VisitDto {
  return {
    id: v.id,
    period: v.period,
    periodLabel: visitPeriodLabel(v.period),
    frequency: v.frequency,
    dueAt: v.due_at.toISOString(),
    state: stateOf(v, now),
    household: {
      id: v.household_id,
      name: v.household_name,
      address: v.household_address,
      tags: v.household_tags,
      regionName: v.region_name,
      location: v.household_lat !== null && v.household_lng !== null ? { lat: v.household_lat, lng: v.household_lng } : null,
    },
    assignee: v.assignee_id === null ? null : { id: v.assignee_id, name: v.assignee_name ?? '' },
    checkedInAt: v.checked_in_at?.toISOString() ?? null,
    checkInDistance: v.check_in_distance === null ? null : Math.round(v.check_in_distance),
    farCheckIn: v.far_check_in,
    doneAt: v.done_at?.toISOString() ?? null,
    late: v.done_at !== null && v.done_at >= v.due_at,
    condition: v.condition,
    note: v.note,
    orderId: v.order_id,
    escalationLevel: v.escalation_level,
  };
}

/** The assignee, or staff whose jurisdiction holds the household: who may see and do a visit. */
function mayAct(actor: Actor, v: Pick<VisitRow, 'assignee_id' | 'region_path'>): boolean {
  return v.assignee_id === actor.id || (isStaff(actor) && covers(jurisdictionOf(actor), v.region_path));
}

/**
 * A household's address shown in full is a view of personal data like an order's: written to the access log, as the
 * visitor's (`visit`) or as staff's (`jurisdiction`).
 */
async function logViews(m: Pick<EntityManager, 'query'>, actor: Actor, rows: readonly VisitRow[]): Promise<void> {
  await writeAccessLog(
    m,
    actor.id,
    rows
      .filter((v) => v.household_address !== null && v.household_id !== actor.id)
      .map((v) => ({ subject: v.household_id, fields: ['address'], reason: v.assignee_id === actor.id ? 'visit' : 'jurisdiction' })),
  );
}

/** An error of order creation, its fields renamed to where the visit's form has them (`need.categoryCode`). */
function asNeedError(err: unknown): unknown {
  if (!(err instanceof AppError) || !err.details) return err;
  const details: ErrorDetail[] = err.details.map((d) => ({ ...d, field: d.field === 'residentId' ? 'need' : `need.${d.field}` }));
  return new AppError(err.code, err.message, details);
}

function coverageOf(r: CoverageRow): VisitCoverageRowDto {
  return {
    regionId: r.region_id,
    name: r.name,
    level: r.level,
    households: r.households,
    householdsVisited: r.households_visited,
    due: r.due,
    onTime: r.on_time,
    late: r.late,
    missed: r.missed,
    coverage: r.due === 0 ? null : r.on_time / r.due,
  };
}

export function createVisitService({ db, clock, poolOfferMinutes, contactHours, escalateEveryHours = 48 }: VisitServiceDeps) {
  /** The plan in effect at a place: per tag its own, the nearest place's above, or the default. */
  async function plan(actor: Actor, regionId: string): Promise<VisitPlanDto> {
    if (!isStaff(actor)) throw new ForbiddenError('只有工作人员可以查看走访计划。');
    const region = await regionOr404(db.manager, regionId, jurisdictionOf(actor));
    const rows = await plansAbove(db.manager, region.path);
    const plans: VisitPlanEntryDto[] = LEDGER_TAGS.map((tag) => {
      const nearest = rows.find((r) => r.tag === tag);
      if (!nearest) return { tag, frequency: DEFAULT_VISIT_FREQUENCIES[tag], source: 'default', fromRegionName: null };
      const own = nearest.region_id === region.id;
      return { tag, frequency: nearest.frequency, source: own ? 'own' : 'inherited', fromRegionName: own ? null : nearest.region_name };
    });
    return { regionId: region.id, regionName: region.name, plans };
  }

  /** 走访计划 set by an admin for their place or one below it (null: take it from above again); audited. */
  async function setPlan(actor: Actor, body: SetVisitPlanDto, ctx: AuditContext): Promise<VisitPlanDto> {
    requireRole(actor, ['admin'], '只有管理员可以设置走访计划。');
    const tags = body.plans.map((p) => p.tag);
    const repeated = tags.find((t, i) => tags.indexOf(t) !== i);
    if (repeated !== undefined) throw fieldError('plans', `「${LEDGER_TAG_NAMES[repeated]}」出现了两次`);
    const region = await regionOr404(db.manager, body.regionId, jurisdictionOf(actor));
    const before = await plan(actor, region.id);
    await db.transaction(async (m) => {
      await writePlans(
        m,
        region.id,
        body.plans.map((p) => ({ tag: p.tag, frequency: p.frequency ?? null })),
        actor.id,
        clock(),
      );
      const own = (d: VisitPlanDto) => Object.fromEntries(d.plans.filter((p) => p.source === 'own').map((p) => [p.tag, p.frequency]));
      const after = Object.fromEntries(body.plans.map((p) => [p.tag, p.frequency ?? null]));
      await recordAudit(m, actor.id, ctx, { action: 'visit_plan.set', subjectType: 'region', subjectId: region.id, before: own(before), after });
    });
    return plan(actor, region.id);
  }

  /** The visits of the current periods for every ledger household (the job queue's `visits-generate`). */
  async function generate(now: Date = clock()): Promise<Generated> {
    return generateVisits(db, now);
  }

  async function mine(actor: Actor): Promise<VisitDto[]> {
    const now = clock();
    const rows = await visitsOf(db.manager, actor.id, now);
    await logViews(db.manager, actor, rows);
    return rows.map((v) => presentVisit(v, now));
  }

  /** The missed visits under a place of the caller's jurisdiction (the board's flag). */
  async function missed(actor: Actor, regionId: string | undefined, limit = 50): Promise<MissedVisitsDto> {
    if (!isStaff(actor)) throw new ForbiddenError('只有工作人员可以查看逾期走访。');
    const j = jurisdictionOf(actor);
    const path = regionId !== undefined ? (await regionOr404(db.manager, regionId, j)).path : j.kind === 'subtree' ? j.path : null;
    const now = clock();
    const { count, rows } = await missedUnder(db.manager, path, now, limit);
    await logViews(db.manager, actor, rows);
    return { count, items: rows.map((v) => presentVisit(v, now)) };
  }

  async function get(actor: Actor, id: string): Promise<VisitDto> {
    if (!UUID_PATTERN.test(id)) throw visitNotFound();
    const v = await loadVisit(db.manager, id);
    if (!v || !mayAct(actor, v)) throw visitNotFound();
    await logViews(db.manager, actor, [v]);
    return presentVisit(v, clock());
  }

  /** 签到 at the household's door: the distance recorded; far (or without a location) allowed and marked, as for orders. */
  async function checkIn(actor: Actor, id: string, body: VisitCheckInDto): Promise<VisitDto> {
    if (!UUID_PATTERN.test(id)) throw visitNotFound();
    return db.transaction(async (m) => {
      const v = await loadVisit(m, id, true);
      if (!v || !mayAct(actor, v)) throw visitNotFound();
      if (v.done_at !== null) throw new ConflictError('这次走访已经记录过了。');
      if (v.checked_in_at !== null) throw new ConflictError('您已签到过了，请填写走访记录。');
      const now = clock();
      const door = v.household_lat !== null && v.household_lng !== null ? { lat: v.household_lat, lng: v.household_lng } : null;
      const at = body.location ?? null;
      const distance = door && at ? distanceMeters(door, at) : null;
      // without the visitor's location there is no proof of the visit: marked like a far one
      const far = door !== null && (distance === null || distance > FAR_CHECK_IN_METERS);
      await recordCheckIn(m, id, { at: now, lat: at?.lat ?? null, lng: at?.lng ?? null, distance, far });
      await logViews(m, actor, [v]);
      return presentVisit((await loadVisit(m, id))!, now);
    });
  }

  /**
   * 走访记录: how the household is, and — when they need something — an order on their behalf (代下单, through the
   * orders module's own creation) in the same transaction: both are written or neither. The order's `created` event
   * names the visit. A paired cadre who is not staff places it by the pairing, as a family contact would (the
   * household is theirs to look after); staff by their jurisdiction.
   */
  async function record(actor: Actor, id: string, body: RecordVisitDto): Promise<VisitDto> {
    if (!UUID_PATTERN.test(id)) throw visitNotFound();
    return db.transaction(async (m) => {
      const v = await loadVisit(m, id, true);
      if (!v || !mayAct(actor, v)) throw visitNotFound();
      if (v.done_at !== null) throw new ConflictError('这次走访已经记录过了。');
      if (v.checked_in_at === null) throw new ConflictError('请先在居民家门口签到，再填写走访记录。');
      const now = clock();
      let orderId: string | null = null;
      if (body.need) {
        const viewer = await loadViewer(m, actor, now, contactHours);
        if (v.assignee_id === actor.id) viewer.follows.add(v.household_id);
        const order: CreateOrderDto = {
          residentId: v.household_id,
          categoryCode: body.need.categoryCode,
          description: body.need.description,
          urgency: body.need.urgency,
          // found face to face at the door
          channel: 'walk_in',
        };
        try {
          orderId = (await createOrder(m, viewer, order, undefined, poolOfferMinutes)).id;
        } catch (err) {
          throw asNeedError(err);
        }
        await markOrderFromVisit(m, orderId, v.id);
      }
      const note = body.note?.trim() ? body.note.trim() : null;
      await recordVisit(m, id, { at: now, by: actor.id, condition: body.condition, note, orderId });
      await logViews(m, actor, [v]);
      return presentVisit((await loadVisit(m, id))!, now);
    });
  }

  /** The window of a coverage query: visits whose period ended after `from` and by `to` (never later than now). */
  function windowOf(q: VisitCoverageQuery, now: Date): { from: Date; to: Date } {
    const to = q.to === undefined ? now : new Date(Math.min(Date.parse(q.to), now.getTime()));
    const from = q.from === undefined ? new Date(to.getTime() - 90 * DAY) : new Date(q.from);
    if (from >= to) throw fieldError(q.from === undefined ? 'to' : 'from', '开始时间须早于结束时间（且不晚于现在）');
    return { from, to };
  }

  /** 走访覆盖率: the place's figures and one row per child place (county → towns → communities → grids). */
  async function coverage(actor: Actor, q: VisitCoverageQuery): Promise<VisitCoverageDto> {
    if (!isStaff(actor)) throw new ForbiddenError('只有工作人员可以查看走访覆盖率。');
    const j = jurisdictionOf(actor);
    const placeId = q.regionId ?? (j.kind === 'subtree' ? j.regionId : null);
    if (placeId !== null) await regionOr404(db.manager, placeId, j);
    const { from, to } = windowOf(q, clock());
    const rows = (await coverageRows(db.manager, placeId, false, from, to)).map(coverageOf);
    const total =
      placeId === null
        ? rows.reduce<VisitCoverageRowDto>(
            (t, r) => {
              const due = t.due + r.due;
              const onTime = t.onTime + r.onTime;
              return {
                ...t,
                households: t.households + r.households,
                householdsVisited: t.householdsVisited + r.householdsVisited,
                due,
                onTime,
                late: t.late + r.late,
                missed: t.missed + r.missed,
                coverage: due === 0 ? null : onTime / due,
              };
            },
            { regionId: null, name: '全部', level: null, households: 0, householdsVisited: 0, due: 0, onTime: 0, late: 0, missed: 0, coverage: null },
          )
        : coverageOf((await coverageRows(db.manager, placeId, true, from, to))[0]!);
    return { from: from.toISOString(), to: to.toISOString(), total, rows };
  }

  /** The same figures as an Excel workbook (a few rows: one per child place, built in memory). */
  async function coverageWorkbook(actor: Actor, q: VisitCoverageQuery): Promise<{ filename: string; body: Buffer }> {
    const c = await coverage(actor, q);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('走访覆盖率');
    ws.columns = [
      { header: '地区', key: 'name', width: 24 },
      { header: '台账户数', key: 'households', width: 10 },
      { header: '走访到的户数', key: 'householdsVisited', width: 12 },
      { header: '应走访（户次）', key: 'due', width: 14 },
      { header: '按时走访', key: 'onTime', width: 10 },
      { header: '逾期补访', key: 'late', width: 10 },
      { header: '未走访', key: 'missed', width: 10 },
      { header: '按时走访率', key: 'coverage', width: 12, style: { numFmt: '0.0%' } },
    ];
    for (const r of [...c.rows, { ...c.total, name: `合计（${c.total.name}）` }]) {
      ws.addRow({ ...r, coverage: r.coverage ?? '' });
    }
    const beijingDay = (iso: string) => new Date(Date.parse(iso) + 8 * HOUR).toISOString().slice(0, 10);
    const notes = wb.addWorksheet('说明');
    notes.addRow(['地区', c.total.name]);
    notes.addRow(['时段（按走访截止时间，北京时间）', `${beijingDay(c.from)} 至 ${beijingDay(c.to)}`]);
    notes.addRow([
      '口径',
      '时段内到期的走访任务（户次）：截止前完成为按时，截止后完成为逾期补访，至今未完成为未走访；台账户数为现有台账户；走访到的户数为时段内至少走访过一次的户',
    ]);
    notes.addRow(['导出人', actor.user.name]);
    const body = Buffer.from(await wb.xlsx.writeBuffer());
    return {
      filename: `走访覆盖率-${c.total.name.replace(/["\\/:*?<>|\r\n]/g, '_')}-${beijingDay(c.from).replace(/-/g, '')}-${beijingDay(c.to).replace(/-/g, '')}.xlsx`,
      body,
    };
  }

  /** What a missed visit's alarm says (several of one person at one level: one alarm naming them). */
  function alarmText(rows: readonly EscalatedRow[]): { title: string; body: string } {
    const v = rows[0]!;
    const level = v.level;
    const period = visitPeriodLabel(v.period);
    if (rows.length > 1) {
      const names = rows
        .slice(0, 3)
        .map((r) => `${r.region_name}的${r.household_name}`)
        .join('、');
      const who = `${rows.length} 户台账户（${names}${rows.length > 3 ? '等' : ''}）`;
      if (level === 1) return { title: '走访已逾期', body: `您负责的${who}的走访已过截止时间，请尽快上门并填写走访记录。` };
      return { title: '走访逾期未完成', body: `${who}的走访逾期未完成，已提请${LEVEL_WORDS[level as 2 | 3 | 4]}督办，请安排人员上门。` };
    }
    const tags = v.household_tags.map((t: LedgerTag) => LEDGER_TAG_NAMES[t]).join('、');
    const who = `${v.region_name}的${v.household_name}${tags ? `（${tags}）` : ''}`;
    if (level === 1) return { title: '走访已逾期', body: `您负责的${who}${period}的走访已过截止时间，请尽快上门并填写走访记录。` };
    return {
      title: '走访逾期未完成',
      body: `${who}${period}的走访逾期未完成（责任人：${v.assignee_name ?? '未指定'}），已提请${LEVEL_WORDS[level as 2 | 3 | 4]}督办，请安排人员上门。`,
    };
  }

  /**
   * Missed visits (past due, not done): each moved one alarm level at a time, every `escalateEveryHours` — the
   * assignee first (or the grid's staff without one), then the staff of the community, the town, the county — and
   * each level's people told through the notifications (inbox, live, WeChat or SMS), in the same transaction. The
   * conditional move (escalateMissed) makes each level happen once however many sweepers run; a person told of
   * several visits at once gets one alarm naming them (a grid worker who missed a week's thirty households hears
   * once, not thirty times: WeChat messages and texts are counted and cost). A notification is also unique per
   * (source, kind, recipient). Answers how many visits moved.
   */
  async function sweepMissed(now: Date = clock(), batch = 500): Promise<number> {
    let total = 0;
    for (;;) {
      const moved = await db.transaction(async (m) => {
        const up = await escalateMissed(m, now, escalateEveryHours * HOUR, batch);
        // per recipient and level, the visits to tell them of
        const told = new Map<string, { to: string; rows: EscalatedRow[] }>();
        const say = (v: EscalatedRow, to: string) => {
          const key = `${to} ${v.level}`;
          const group = told.get(key) ?? { to, rows: [] };
          group.rows.push(v);
          told.set(key, group);
        };
        for (const v of up) if (v.level === 1 && v.assignee_id !== null) say(v, v.assignee_id);
        // no assignee: the grid's staff hear it at level 1
        const byLevel: Array<['grid' | 'community' | 'town' | 'county', EscalatedRow[]]> = [
          ['grid', up.filter((v) => v.level === 1 && v.assignee_id === null)],
          ...([2, 3, 4] as const).map((l): ['community' | 'town' | 'county', EscalatedRow[]] => [ALARM_LEVELS[l], up.filter((v) => v.level === l)]),
        ];
        for (const [level, rows] of byLevel) {
          if (rows.length === 0) continue;
          // each place once: the staff of a grid with several missed visits are found once
          const staff = await staffAtLevel(m, [...new Set(rows.map((v) => v.region_path))], level);
          for (const v of rows) for (const s of staff.filter((x) => x.path === v.region_path)) say(v, s.id);
        }
        const items: NewNotification[] = [...told.values()].map(({ to, rows }) => {
          const ids = rows.map((r) => r.id).sort();
          return {
            recipientId: to,
            recipientPhone: null,
            kind: 'staff.visit_missed',
            orderId: null,
            source: rows.length === 1 ? `visit-missed:${ids[0]}:${rows[0]!.level}` : `visit-missed:${ids[0]}:${rows[0]!.level}:${ids.length}`,
            ...alarmText(rows),
            urgent: false,
          };
        });
        if (items.length > 0) await emitNotifications(m, items, now, { maxAttempts: 5 });
        return up.length;
      });
      total += moved;
      if (moved < batch) return total;
    }
  }

  return { plan, setPlan, generate, mine, missed, get, checkIn, record, coverage, coverageWorkbook, sweepMissed };
}
