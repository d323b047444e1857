import {
  isValidSlot,
  type ApplicationDto,
  type CreateApplicationDto,
  type ListApplicationsQuery,
  type Page,
  type Role,
  type RosterSlot,
} from '@bangbang/shared';
import type { DataSource, EntityManager } from 'typeorm';
import { ConflictError, ForbiddenError, NotFoundError, UUID_PATTERN, fieldError } from '../../errors';
import { decodeCursor, encodeCursor } from '../../db/cursor';
import { covers, isStaff, jurisdictionOf } from '../access/jurisdiction';
import { maskPhone } from '../access/privacy';
import type { Actor } from '../auth/actor';
import { changedFields, recordAudit, type AuditContext } from '../audit/service';
import { assertKnownCategories } from '../catalogue/known-categories';
import { findPlaceable, findRegion, placeLabels } from '../regions/region.repo';
import { checkRankAllows } from '../users/service';
import type { User } from '../users/user.entity';
import { findUser, updateUser } from '../users/user.repo';
import { closeApplication, findApplication, insertApplication, listApplications, listApplicationsOf, type ApplicationRow } from './application.repo';

/** The one answer for an application that does not exist or that the asker may not see: which, is not told. */
function applicationNotFound(): NotFoundError {
  return new NotFoundError('该申请不存在。');
}

const STAFF_ONLY = '只有网格员、调度员和管理员可以审核申请。';

/** The community (嘎查村/社区) of a place: the place itself, or a grid's parent. Its path ends with the place's own id. */
function communityPath(place: { level: string; path: string }): string {
  return place.level === 'grid' ? place.path.replace(/[^/]+\/$/, '') : place.path;
}

/** 400 naming the first field given that belongs to the other kind of application. */
function refuseFields(body: CreateApplicationDto, fields: ReadonlyArray<keyof CreateApplicationDto>, message: string): void {
  const given = fields.find((f) => body[f] !== undefined);
  if (given !== undefined) throw fieldError(given, message);
}

async function present(m: Pick<EntityManager, 'query'>, rows: readonly ApplicationRow[]): Promise<ApplicationDto[]> {
  const labels = await placeLabels(
    m,
    rows.flatMap((r) => [r.region_id, r.service_region_id, r.target_region_id].filter((id): id is string => id !== null)),
  );
  const place = (id: string | null) => (id === null ? null : { id, label: labels.get(id) ?? '' });
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    status: r.status,
    applicant: { id: r.applicant_id, name: r.applicant_name, phone: r.applicant_phone === null ? null : maskPhone(r.applicant_phone) },
    place: place(r.region_id),
    skills: r.skills,
    serviceRegion: place(r.service_region_id),
    availability: r.availability,
    note: r.note,
    targetRegion: place(r.target_region_id),
    address: r.address,
    location: r.location_lat !== null && r.location_lng !== null ? { lat: r.location_lat, lng: r.location_lng } : null,
    reason: r.reason,
    decidedBy: r.decided_by !== null && r.decider_name !== null ? { id: r.decided_by, name: r.decider_name } : null,
    decidedAt: r.decided_at,
    declineReason: r.decline_reason,
    createdAt: r.created_at,
  }));
}

/** What an audit row keeps of a person changed by an approval. */
function personView(u: User): Record<string, unknown> {
  return {
    roles: u.roles,
    skills: u.skills,
    roster: u.roster,
    regionId: u.regionId,
    address: u.address,
    locationLat: u.locationLat,
    locationLng: u.locationLng,
  };
}

export interface ApplicationServiceDeps {
  db: DataSource;
}

/**
 * Requests a person makes to staff (issue 18, item 2): 我要当志愿者 (the volunteer role, skills, availability) and
 * 迁移申请 (another grid and address). Nobody grants themself either: the grid worker or dispatcher (or admin) whose
 * jurisdiction covers the person's place — for a move, the current place or the target — approves or declines,
 * once, and never their own. Every step is audited in the transaction that makes it.
 */
export function createApplicationService({ db }: ApplicationServiceDeps) {
  /** The application as staff may decide it: 403 for non-staff and for one's own, 404 outside the jurisdiction, 409 once decided. */
  async function loadForDecision(m: EntityManager, actor: Actor, id: string): Promise<ApplicationRow> {
    if (!isStaff(actor)) throw new ForbiddenError(STAFF_ONLY);
    if (!UUID_PATTERN.test(id)) throw applicationNotFound();
    const app = await findApplication(m, id, { lock: true });
    if (!app) throw applicationNotFound();
    if (app.applicant_id === actor.id) throw new ForbiddenError('不能审核自己的申请，请由上级审核。');
    const j = jurisdictionOf(actor);
    if (!covers(j, app.applicant_path) && !covers(j, app.target_path)) throw applicationNotFound();
    if (app.status !== 'pending') throw new ConflictError('该申请已处理过，不能再次审核。');
    return app;
  }

  async function close(m: EntityManager, id: string, to: Parameters<typeof closeApplication>[2]): Promise<void> {
    if (!(await closeApplication(m, id, to))) throw new ConflictError('该申请已处理过，不能再次审核。');
  }

  return {
    /** `POST /me/applications`: a pending volunteer application or move request of the actor. */
    async apply(actor: Actor, body: CreateApplicationDto, ctx: AuditContext): Promise<ApplicationDto> {
      return db.transaction(async (m) => {
        const user = await findUser(m, actor.id, { lock: true });
        if (!user) throw applicationNotFound();
        if (user.regionId === null) throw new ConflictError('您还没有所属网格，请先在个人资料中选择所在网格。');
        const home = await findRegion(m, user.regionId);
        let row: Parameters<typeof insertApplication>[1];
        if (body.kind === 'volunteer') {
          refuseFields(body, ['targetRegionId', 'address', 'location', 'reason'], '申请当志愿者时不填此项');
          if (user.roles.includes('volunteer')) throw new ConflictError('您已经是志愿者了。');
          if (!body.skills || body.skills.length === 0) throw fieldError('skills', '请至少选择一项技能');
          await assertKnownCategories(m, body.skills, 'skills');
          let serviceRegionId = user.regionId;
          if (body.serviceRegionId !== undefined) {
            const area = await findRegion(m, body.serviceRegionId);
            if (!area || !home || !area.path.startsWith(communityPath(home))) throw fieldError('serviceRegionId', '服务区域须在您所在的社区/村之内');
            serviceRegionId = area.id;
          }
          const availability: RosterSlot[] = (body.availability ?? []).map((s) => ({ weekday: s.weekday, start: s.start, end: s.end }));
          availability.forEach((slot, i) => {
            if (!isValidSlot(slot)) throw fieldError(`availability[${i}].end`, '开始时间须早于结束时间');
          });
          row = {
            applicantId: user.id,
            kind: 'volunteer',
            regionId: user.regionId,
            skills: body.skills,
            serviceRegionId,
            availability,
            note: body.note ?? null,
            targetRegionId: null,
            address: null,
            locationLat: null,
            locationLng: null,
            reason: null,
          };
        } else {
          refuseFields(body, ['skills', 'serviceRegionId', 'availability', 'note'], '迁移申请不填此项');
          if (body.targetRegionId === undefined) throw fieldError('targetRegionId', '请选择要迁入的网格');
          if (body.address === undefined) throw fieldError('address', '请填写新地址');
          const target = await findPlaceable(m, body.targetRegionId);
          if (!target) throw fieldError('targetRegionId', '地区不存在');
          if (!target.selectable) throw fieldError('targetRegionId', '请选择到网格（社区/村没有划分网格时可选社区/村）');
          if (target.id === user.regionId) throw fieldError('targetRegionId', '您已经在这个网格了');
          row = {
            applicantId: user.id,
            kind: 'move',
            regionId: user.regionId,
            skills: [],
            serviceRegionId: null,
            availability: [],
            note: null,
            targetRegionId: target.id,
            address: body.address,
            locationLat: body.location?.lat ?? null,
            locationLng: body.location?.lng ?? null,
            reason: body.reason ?? null,
          };
        }
        const id = await insertApplication(m, row);
        if (id === undefined) {
          throw new ConflictError(body.kind === 'volunteer' ? '您已有一份待审核的志愿者申请。' : '您已有一份待审核的迁移申请。');
        }
        const { applicantId: _a, ...after } = row;
        await recordAudit(m, actor.id, ctx, { action: 'application.create', subjectType: 'application', subjectId: id, before: null, after });
        const [dto] = await present(m, [(await findApplication(m, id))!]);
        return dto!;
      });
    },

    /** The actor's own applications, newest first. */
    async mine(actor: Actor): Promise<ApplicationDto[]> {
      return present(db.manager, await listApplicationsOf(db.manager, actor.id));
    },

    /** The person takes back their own pending application (404 for anyone else's; 409 once it is decided). */
    async withdraw(actor: Actor, id: string, ctx: AuditContext): Promise<ApplicationDto> {
      return db.transaction(async (m) => {
        if (!UUID_PATTERN.test(id)) throw applicationNotFound();
        const app = await findApplication(m, id, { lock: true });
        if (!app || app.applicant_id !== actor.id) throw applicationNotFound();
        if (app.status !== 'pending') throw new ConflictError('该申请已处理过，不能撤回。');
        await close(m, id, { status: 'withdrawn', decidedBy: null, declineReason: null });
        await recordAudit(m, actor.id, ctx, {
          action: 'application.withdraw',
          subjectType: 'application',
          subjectId: id,
          before: { status: 'pending' },
          after: { status: 'withdrawn' },
        });
        const [dto] = await present(m, [(await findApplication(m, id))!]);
        return dto!;
      });
    },

    /** The applications staff may decide (their jurisdiction), newest first, keyset-paged. */
    async list(actor: Actor, q: ListApplicationsQuery): Promise<Page<ApplicationDto>> {
      if (!isStaff(actor)) throw new ForbiddenError(STAFF_ONLY);
      const limit = q.limit ?? 20;
      const before = q.cursor !== undefined ? decodeCursor(q.cursor) : undefined;
      const rows = await listApplications(db.manager, { jurisdiction: jurisdictionOf(actor), status: q.status, kind: q.kind, before, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return { items: await present(db.manager, page), nextCursor: rows.length > limit && last ? encodeCursor(last.created_at, last.id) : null };
    },

    /**
     * Approves: a volunteer application adds the volunteer role and sets the skills and roster asked for; a move sets
     * the place and address (and location when given). The rank rules of people apply (`checkRankAllows`): the
     * person must rank strictly below the one deciding, and the volunteer role ranks below a grid worker.
     */
    async approve(actor: Actor, id: string, ctx: AuditContext): Promise<ApplicationDto> {
      return db.transaction(async (m) => {
        const app = await loadForDecision(m, actor, id);
        const user = await findUser(m, app.applicant_id, { lock: true });
        if (!user) throw applicationNotFound();
        const changes: Partial<User> = {};
        if (app.kind === 'volunteer') {
          const roles: Role[] = user.roles.includes('volunteer') ? user.roles : [...user.roles, 'volunteer'];
          checkRankAllows(actor, user, roles);
          await assertKnownCategories(m, app.skills, 'skills');
          changes.roles = roles;
          changes.skills = app.skills;
          changes.roster = app.availability.length > 0 ? app.availability : null;
        } else {
          checkRankAllows(actor, user, user.roles);
          const target = await findPlaceable(m, app.target_region_id!);
          if (!target?.selectable) throw new ConflictError('要迁入的地区已不能选择（可能已划分网格），请让申请人重新申请。');
          changes.regionId = target.id;
          changes.address = app.address;
          if (app.location_lat !== null && app.location_lng !== null) {
            changes.locationLat = app.location_lat;
            changes.locationLng = app.location_lng;
          }
        }
        await close(m, id, { status: 'approved', decidedBy: actor.id, declineReason: null });
        await updateUser(m, user.id, changes);
        const after = await findUser(m, user.id);
        const diff = changedFields(personView(user), personView(after!));
        await recordAudit(m, actor.id, ctx, {
          action: 'application.approve',
          subjectType: 'user',
          subjectId: user.id,
          before: { application: id, kind: app.kind, ...diff.before },
          after: { application: id, kind: app.kind, ...diff.after },
        });
        const [dto] = await present(m, [(await findApplication(m, id))!]);
        return dto!;
      });
    },

    /** Declines with a reason the person reads. */
    async decline(actor: Actor, id: string, reason: string, ctx: AuditContext): Promise<ApplicationDto> {
      if (reason.trim() === '') throw fieldError('reason', '请填写不通过的原因');
      return db.transaction(async (m) => {
        const app = await loadForDecision(m, actor, id);
        await close(m, id, { status: 'declined', decidedBy: actor.id, declineReason: reason.trim() });
        await recordAudit(m, actor.id, ctx, {
          action: 'application.decline',
          subjectType: 'application',
          subjectId: id,
          before: { status: 'pending', kind: app.kind },
          after: { status: 'declined', kind: app.kind, reason },
        });
        const [dto] = await present(m, [(await findApplication(m, id))!]);
        return dto!;
      });
    },
  };
}

export type ApplicationService = ReturnType<typeof createApplicationService>;
