import {
  PROJECT_STATUS_NAMES,
  hoursToMinutes,
  projectPoints,
  type ConfirmAttendanceDto,
  type CreateProjectDto,
  type ListPartyRegistrationsQuery,
  type ListProjectsQuery,
  type Page,
  type PartyRegistrationDto,
  type ProjectAction,
  type ProjectClaimDto,
  type ProjectDto,
  type ProjectStatus,
  type RegisterPartyMemberDto,
  type ThreeListsDto,
  type UpdateProjectDto,
} from '@bangbang/shared';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../../clock';
import { decodeCursor, encodeCursor } from '../../db/cursor';
import { ConflictError, ForbiddenError, NotFoundError, UUID_PATTERN, fieldError } from '../../errors';
import { covers, isStaff, jurisdictionOf } from '../access/jurisdiction';
import { writeAccessLog } from '../access/access-log';
import { maskPhone } from '../access/privacy';
import type { Actor } from '../auth/actor';
import { recordAudit, changedFields, type AuditContext } from '../audit/service';
import { assertKnownCategories } from '../catalogue/known-categories';
import { findRegion } from '../regions/region.repo';
import { findUserPlace } from '../users/user.repo';
import { loadViewer } from '../orders/standing';
import { creditPoints } from '../points/ledger';
import { tellAttended, tellClaimants } from './tell';
import { cancel as cancelOrder } from '../orders/transitions';
import {
  activeRegistration,
  cancelClaim,
  claimsBy,
  claimsOf,
  communitiesOf,
  confirmClaim,
  endRegistration,
  findClaim,
  findProject,
  insertClaim,
  insertProject,
  linkSourceOrder,
  listProjects,
  listRegistrations,
  markEmployedPartyMember,
  orderForLink,
  sourceOrdersOf,
  takePlace,
  threeListCounts,
  updateProject,
  upsertRegistration,
  type ClaimRow,
  type ProjectFields,
  type ProjectRow,
  type RegistrationRow,
} from './projects.repo';

/** The one answer for a project that does not exist or that the asker may not see: which, is not told. */
function projectNotFound(): NotFoundError {
  return new NotFoundError('该项目不存在。');
}

/** Organisers (who publish and manage a community's projects): its dispatchers and admins, by jurisdiction. */
const ORGANISER_ROLES = ['admin', 'dispatcher'] as const;
const NOT_ORGANISER = '只有社区（村）的调度员和管理员可以发布和管理项目。';

/** What the orders' cancel transition writes on a demand turned into a project (its timeline shows it). */
export function convertedReason(title: string): string {
  return `已转为社区项目「${title}」统一解决`;
}

function isOrganiser(actor: Actor): boolean {
  return actor.roles.some((r) => (ORGANISER_ROLES as readonly string[]).includes(r));
}

/** True when the actor organises projects of the community with this path. */
function manages(actor: Actor, path: string): boolean {
  return isOrganiser(actor) && covers(jurisdictionOf(actor), path);
}

const OPEN_ORDER = ['pending', 'dispatched', 'accepted'];

function claimDto(c: ClaimRow, fullPhone: boolean): ProjectClaimDto {
  return {
    id: c.id,
    person: { id: c.user_id, name: c.user_name, phone: c.user_phone === null ? null : fullPhone ? c.user_phone : maskPhone(c.user_phone) },
    status: c.status,
    claimedAt: c.claimed_at,
    confirmedAt: c.confirmed_at,
    hours: c.minutes === null ? null : Math.round((c.minutes / 60) * 10) / 10,
    points: c.points,
  };
}

function registrationDto(r: RegistrationRow): PartyRegistrationDto {
  return {
    id: r.id,
    person: { id: r.user_id, name: r.user_name, phone: r.user_phone === null ? null : maskPhone(r.user_phone) },
    community: { id: r.community_id, name: r.community_name },
    workplace: r.workplace,
    workplacePartyOrg: r.workplace_party_org,
    registeredBy: r.registered_by !== null && r.registrar_name !== null ? { id: r.registered_by, name: r.registrar_name } : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** What of a project an audit row keeps. */
function projectView(f: ProjectFields & { regionId?: string }): Record<string, unknown> {
  return { ...f };
}

function fieldsOf(p: ProjectRow): ProjectFields {
  return {
    title: p.title,
    description: p.description,
    address: p.address,
    startsAt: p.starts_at,
    endsAt: p.ends_at,
    places: p.places,
    skills: p.skills,
    creditMinutes: p.credit_minutes,
    pointsBase: p.points_base,
    pointsPerHour: p.points_per_hour,
    status: p.status,
  };
}

/** Which status changes an organiser may make (草稿 → 招募中 → 已结束; 已取消 from either open state). */
const STATUS_MOVES: Record<ProjectStatus, readonly ProjectStatus[]> = {
  draft: ['published', 'cancelled'],
  published: ['closed', 'cancelled'],
  closed: ['published'],
  cancelled: [],
};

function checkPeriod(startsAt: string, endsAt: string): void {
  if (Date.parse(endsAt) <= Date.parse(startsAt)) throw fieldError('endsAt', '结束时间须晚于开始时间');
  if (Date.parse(endsAt) - Date.parse(startsAt) > 366 * 86_400_000) throw fieldError('endsAt', '一个项目最长一年');
}

/**
 * Confirms one claim's attendance (the organiser): attended, with
 * the minutes credited (default the project's) and the points of the project's rule stored on the claim row, or
 * absent. Once per claim (409 after). Runs on the caller's transaction manager; the project row must be locked by
 * the caller. Answers the claim as stored. The person is credited `points` in the points ledger (积分) in the same transaction.
 */
export async function confirmAttendance(
  m: Pick<EntityManager, 'query'>,
  project: ProjectRow,
  claimId: string,
  body: ConfirmAttendanceDto,
  by: { actorId: string; at: Date },
): Promise<ClaimRow> {
  if (!UUID_PATTERN.test(claimId)) throw new NotFoundError('该认领记录不存在。');
  const claim = await findClaim(m, claimId);
  if (!claim || claim.project_id !== project.id) throw new NotFoundError('该认领记录不存在。');
  if (claim.status === 'cancelled') throw new ConflictError('这个认领已被本人取消，无需确认出勤。');
  if (claim.status !== 'claimed') throw new ConflictError('这个认领的出勤已确认过了。');
  if (!body.attended && body.hours !== undefined) throw fieldError('hours', '未到的不记时长');
  const minutes = body.attended ? (body.hours === undefined ? project.credit_minutes : hoursToMinutes(body.hours)) : null;
  const points = minutes === null ? null : projectPoints({ pointsBase: project.points_base, pointsPerHour: project.points_per_hour }, minutes);
  if (!(await confirmClaim(m, claim.id, { attended: body.attended, minutes, points, by: by.actorId, at: by.at }))) {
    throw new ConflictError('这个认领的出勤已确认过了。');
  }
  // the points in the same transaction as the confirmation (both or neither); once per claim: the confirmation above
  // is once-only, and the ledger's key (kind, claim, person) refuses a second credit anyway
  if (points !== null && points > 0) {
    await creditPoints(m, {
      userId: claim.user_id,
      amount: points,
      kind: 'project',
      sourceId: claim.id,
      regionId: project.region_id,
      note: project.title,
      at: by.at,
      minutes: minutes ?? 0,
    });
  }
  return (await findClaim(m, claim.id))!;
}

export interface ProjectServiceDeps {
  db: DataSource;
  clock: Clock;
}

/**
 * The project list (项目清单), its claims and 双报到 (issue 22, item 2). A community's dispatchers and admins publish
 * projects; the party members who reported to the community (双报到) and its volunteers claim a place, never more
 * than there are (the counter's conditional UPDATE and its CHECK); the organiser confirms attendance, whose hours
 * count like service hours (我的, 志愿服务时长, 统计 read attended claims). A resident's demand that needs a project is
 * turned into one in one step: the project records the order, the order is closed (cancelled, its reason and timeline
 * saying 「已转为社区项目…」) so that it stops escalating and waiting for a volunteer, and each shows the other.
 */
export function createProjectService({ db, clock }: ProjectServiceDeps) {
  /** The community the actor reported to through 双报到 (null: none), read once per request. */
  async function reportedTo(m: Pick<EntityManager, 'query'>, actor: Actor): Promise<string | null> {
    return (await activeRegistration(m, actor.id))?.community_id ?? null;
  }

  /**
   * What the actor is to this project: its organiser; a member of its community (reported to it through 双报到,
   * living in it, or staff over it), who sees it once published; one who may claim (reported to it, or serving in it).
   */
  function standing(actor: Actor, reported: string | null, p: ProjectRow): { organiser: boolean; member: boolean; mayClaim: boolean } {
    const organiser = manages(actor, p.region_path);
    const isReported = reported === p.region_id;
    const lives = actor.regionPath !== null && actor.regionPath.startsWith(p.region_path);
    const serves = lives && actor.roles.some((r) => r === 'volunteer' || r === 'grid_worker');
    return { organiser, member: isReported || lives || (isStaff(actor) && covers(jurisdictionOf(actor), p.region_path)), mayClaim: isReported || serves };
  }

  /** Every claim of a project with full phones for its organiser, each full view written to the access log. */
  async function organiserClaims(m: Pick<EntityManager, 'query'>, actor: Actor, projectId: string): Promise<ProjectClaimDto[]> {
    const claims = await claimsOf(m, projectId);
    const seen = [...new Set(claims.filter((c) => c.user_phone !== null && c.user_id !== actor.id).map((c) => c.user_id))];
    await writeAccessLog(
      m,
      actor.id,
      seen.map((subject) => ({ subject, fields: ['phone'], reason: 'project_claim' })),
    );
    return claims.map((c) => claimDto(c, true));
  }

  async function present(
    m: Pick<EntityManager, 'query'>,
    actor: Actor,
    rows: readonly ProjectRow[],
    { detail = false }: { detail?: boolean } = {},
  ): Promise<ProjectDto[]> {
    const ids = rows.map((r) => r.id);
    const mine = await claimsBy(m, actor.id, ids);
    const sources = await sourceOrdersOf(m, ids);
    const now = clock();
    const reported = await reportedTo(m, actor);
    const out: ProjectDto[] = [];
    for (const p of rows) {
      const s = standing(actor, reported, p);
      const my = mine.get(p.id);
      const actions: ProjectAction[] = [];
      const open = p.status === 'published' && Date.parse(p.starts_at) > now.getTime();
      if (s.mayClaim && open && (!my || my.status === 'cancelled') && p.claimed < p.places) actions.push('claim');
      if (my?.status === 'claimed' && Date.parse(p.starts_at) > now.getTime()) actions.push('cancel_claim');
      if (s.organiser) actions.push('edit');
      if (s.organiser && (p.status === 'published' || p.status === 'closed')) actions.push('confirm');
      const { creditMinutes, ...fields } = fieldsOf(p);
      out.push({
        id: p.id,
        community: { id: p.region_id, name: p.region_name },
        ...fields,
        claimed: p.claimed,
        hours: Math.round((creditMinutes / 60) * 10) / 10,
        createdBy: p.created_by !== null && p.creator_name !== null ? { id: p.created_by, name: p.creator_name } : null,
        createdAt: p.created_at,
        sourceOrders: sources
          .filter((o) => o.project_id === p.id)
          .map((o) => ({ id: o.id, description: o.description, categoryName: o.category_name, residentName: o.resident_name })),
        myClaim: my ? claimDto(my, true) : null,
        actions,
        // the organiser calls the people who claimed: their numbers in full, as for a volunteer on an order
        claims: detail && s.organiser ? await organiserClaims(m, actor, p.id) : null,
      });
    }
    return out;
  }

  /** The project as the actor may act on it: 404 when they may not see it (drafts: organisers only). */
  async function visible(m: Pick<EntityManager, 'query'>, actor: Actor, id: string, lock = false): Promise<ProjectRow> {
    if (!UUID_PATTERN.test(id)) throw projectNotFound();
    const p = await findProject(m, id, { lock });
    if (!p) throw projectNotFound();
    const s = standing(actor, await reportedTo(m, actor), p);
    if (!s.organiser && (!s.member || p.status === 'draft')) throw projectNotFound();
    return p;
  }

  /** The project for an organiser's change: 404 outside what they see, 403 when they see it without organising it. */
  async function forOrganiser(m: Pick<EntityManager, 'query'>, actor: Actor, id: string): Promise<ProjectRow> {
    const p = await visible(m, actor, id, true);
    if (!manages(actor, p.region_path)) throw new ForbiddenError(NOT_ORGANISER);
    return p;
  }

  async function one(m: Pick<EntityManager, 'query'>, actor: Actor, id: string): Promise<ProjectDto> {
    const [dto] = await present(m, actor, [(await findProject(m, id))!], { detail: true });
    return dto!;
  }

  /** A community (社区/嘎查村) by id: 400 naming `field` when there is none or it is another level. */
  async function community(m: Pick<EntityManager, 'query'>, id: string, field: string): Promise<{ id: string; name: string; path: string }> {
    const r = await findRegion(m, id);
    if (!r) throw fieldError(field, '地区不存在');
    if (r.level !== 'community') throw fieldError(field, '请选择到社区/村（不是网格，也不是街道）');
    return r;
  }

  async function register(m: EntityManager, actor: Actor, userId: string, body: RegisterPartyMemberDto, ctx: AuditContext): Promise<PartyRegistrationDto> {
    const c = await community(m, body.communityId, 'communityId');
    const before = await activeRegistration(m, userId, { lock: true });
    const flags = await markEmployedPartyMember(m, userId);
    const fields = { communityId: c.id, workplace: body.workplace.trim(), workplacePartyOrg: body.workplacePartyOrg?.trim() ?? null, registeredBy: actor.id };
    if (fields.workplace === '') throw fieldError('workplace', '请填写工作单位');
    await upsertRegistration(m, userId, fields);
    await recordAudit(m, actor.id, ctx, {
      action: 'party.register',
      subjectType: 'user',
      subjectId: userId,
      before: before
        ? { communityId: before.community_id, workplace: before.workplace, workplacePartyOrg: before.workplace_party_org, ...flags.before }
        : flags.before,
      after: { communityId: c.id, workplace: fields.workplace, workplacePartyOrg: fields.workplacePartyOrg, partyMember: true, employedPartyMember: true },
    });
    return registrationDto((await activeRegistration(m, userId))!);
  }

  return {
    // ---------- 双报到 ----------

    /** `GET /me/party-registration`: the person's active 双报到, or null. */
    async myRegistration(actor: Actor): Promise<PartyRegistrationDto | null> {
      const r = await activeRegistration(db.manager, actor.id);
      return r ? registrationDto(r) : null;
    },

    /**
     * `PUT /me/party-registration`: the person reports to the community where they live (双报到), or changes it.
     * Registering marks them as an employed party member (在职党员): that is what the registration says of them.
     */
    async registerSelf(actor: Actor, body: RegisterPartyMemberDto, ctx: AuditContext): Promise<PartyRegistrationDto> {
      return db.transaction((m) => register(m, actor, actor.id, body, ctx));
    },

    /** `DELETE /me/party-registration`: ends the person's registration (claims already made stay). */
    async endSelf(actor: Actor, ctx: AuditContext): Promise<void> {
      await db.transaction(async (m) => {
        const before = await activeRegistration(m, actor.id, { lock: true });
        if (!before || !(await endRegistration(m, actor.id))) throw new NotFoundError('您还没有双报到。');
        await recordAudit(m, actor.id, ctx, {
          action: 'party.end',
          subjectType: 'user',
          subjectId: actor.id,
          before: { communityId: before.community_id, workplace: before.workplace },
          after: null,
        });
      });
    },

    /** `PUT /users/:id/party-registration`: staff record someone's 双报到 (the person's place, or the community, in their jurisdiction). */
    async registerFor(actor: Actor, userId: string, body: RegisterPartyMemberDto, ctx: AuditContext): Promise<PartyRegistrationDto> {
      if (!isStaff(actor)) throw new ForbiddenError('只有工作人员可以为他人登记双报到。');
      return db.transaction(async (m) => {
        if (!UUID_PATTERN.test(userId)) throw new NotFoundError('该人员不存在。');
        const user = await findUserPlace(m, userId);
        const j = jurisdictionOf(actor);
        const c = await community(m, body.communityId, 'communityId');
        // a grid worker's jurisdiction is one grid: they register people with their grid's community
        const reaches = covers(j, c.path) || (actor.regionPath !== null && actor.regionPath.startsWith(c.path));
        if (!user || (!covers(j, user.path) && !covers(j, c.path))) throw new NotFoundError('该人员不存在。');
        if (!reaches) throw fieldError('communityId', '只能登记到您管辖范围内的社区/村');
        return register(m, actor, userId, body, ctx);
      });
    },

    /** `GET /party-registrations`: 报到党员 of the communities in the staff member's jurisdiction (or one place in it). */
    async listRegistrations(actor: Actor, q: ListPartyRegistrationsQuery): Promise<Page<PartyRegistrationDto>> {
      if (!isStaff(actor)) throw new ForbiddenError('只有工作人员可以查看报到党员。');
      const j = jurisdictionOf(actor);
      let path: string | null = j.kind === 'subtree' ? j.path : null;
      if (j.kind === 'none') return { items: [], nextCursor: null };
      if (q.regionId !== undefined) {
        const r = await findRegion(db.manager, q.regionId);
        if (!r || !covers(j, r.path)) throw new NotFoundError('地区不存在。');
        path = r.path;
      }
      // a grid worker's grid lies below the community: they see the party members of their grid's community
      if (!isOrganiser(actor) && path !== null) path = path.replace(/[^/]+\/$/, '');
      const limit = q.limit ?? 20;
      const rows = await listRegistrations(db.manager, path, q.cursor === undefined ? undefined : decodeCursor(q.cursor), limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return { items: page.map(registrationDto), nextCursor: rows.length > limit && last ? encodeCursor(last.created_at, last.id) : null };
    },

    // ---------- projects ----------

    /**
     * `POST /projects`: a community's project, by its organiser. With `sourceOrderIds` (转为项目): each order must be an
     * open demand of that community the organiser oversees; it is linked and closed by the orders' own cancel
     * transition (reason 「已转为社区项目…」 on its timeline), all in this one transaction.
     */
    async create(actor: Actor, body: CreateProjectDto, ctx: AuditContext): Promise<ProjectDto> {
      if (!isOrganiser(actor)) throw new ForbiddenError(NOT_ORGANISER);
      return db.transaction(async (m) => {
        const c = await community(m, body.regionId, 'regionId');
        if (!covers(jurisdictionOf(actor), c.path)) throw fieldError('regionId', '只能为您管辖范围内的社区/村发布项目');
        checkPeriod(body.startsAt, body.endsAt);
        if ((body.status ?? 'draft') === 'published' && Date.parse(body.startsAt) <= clock().getTime()) {
          throw fieldError('startsAt', '招募中的项目，开始时间须在现在之后');
        }
        if (body.skills !== undefined) await assertKnownCategories(m, body.skills, 'skills');
        const fields: ProjectFields = {
          title: body.title.trim(),
          description: body.description?.trim() ?? '',
          address: body.address.trim(),
          startsAt: body.startsAt,
          endsAt: body.endsAt,
          places: body.places,
          skills: body.skills ?? [],
          creditMinutes: hoursToMinutes(body.hours),
          pointsBase: body.pointsBase ?? 0,
          pointsPerHour: body.pointsPerHour ?? 0,
          status: body.status ?? 'draft',
        };
        if (fields.title === '') throw fieldError('title', '请填写项目名称');
        if (fields.address === '') throw fieldError('address', '请填写地点');
        const id = await insertProject(m, c.id, actor.id, fields);
        const orders = body.sourceOrderIds ?? [];
        if (orders.length > 0) {
          const v = await loadViewer(m, actor, clock());
          for (const orderId of orders) {
            const o = await orderForLink(m, orderId);
            if (!o || !covers(jurisdictionOf(actor), o.region_path)) throw fieldError('sourceOrderIds', '需求不存在');
            if (!o.region_path.startsWith(c.path)) throw fieldError('sourceOrderIds', '只能把本社区/村的需求转为项目');
            if (!OPEN_ORDER.includes(o.status)) throw fieldError('sourceOrderIds', '只有还没开始服务的需求可以转为项目');
            if (!(await linkSourceOrder(m, id, orderId))) throw fieldError('sourceOrderIds', '这个需求已经转为另一个项目了');
            await cancelOrder(m, v, orderId, { reason: convertedReason(fields.title) });
          }
        }
        await recordAudit(m, actor.id, ctx, {
          action: 'project.create',
          subjectType: 'project',
          subjectId: id,
          before: null,
          after: { regionId: c.id, ...projectView(fields), sourceOrderIds: orders },
        });
        return one(m, actor, id);
      });
    },

    /** `PATCH /projects/:id`: the organiser edits, publishes, closes or cancels (places never below the claims). */
    async update(actor: Actor, id: string, body: UpdateProjectDto, ctx: AuditContext): Promise<ProjectDto> {
      return db.transaction(async (m) => {
        const p = await forOrganiser(m, actor, id);
        const before = fieldsOf(p);
        if (p.status === 'cancelled') throw new ConflictError('项目已取消，不能再修改。');
        const after: ProjectFields = {
          title: body.title?.trim() ?? before.title,
          description: body.description?.trim() ?? before.description,
          address: body.address?.trim() ?? before.address,
          startsAt: body.startsAt ?? before.startsAt,
          endsAt: body.endsAt ?? before.endsAt,
          places: body.places ?? before.places,
          skills: body.skills ?? before.skills,
          creditMinutes: body.hours === undefined ? before.creditMinutes : hoursToMinutes(body.hours),
          pointsBase: body.pointsBase ?? before.pointsBase,
          pointsPerHour: body.pointsPerHour ?? before.pointsPerHour,
          status: body.status ?? before.status,
        };
        if (after.title === '') throw fieldError('title', '请填写项目名称');
        if (after.address === '') throw fieldError('address', '请填写地点');
        if (body.startsAt !== undefined || body.endsAt !== undefined) checkPeriod(after.startsAt, after.endsAt);
        if (after.places < p.claimed) throw fieldError('places', `已有 ${p.claimed} 人认领，名额不能少于 ${p.claimed}`);
        if (body.skills !== undefined) await assertKnownCategories(m, body.skills, 'skills');
        if (after.status !== before.status) {
          if (!STATUS_MOVES[before.status].includes(after.status))
            throw fieldError('status', `项目${statusWord(before.status)}，不能改为「${PROJECT_STATUS_NAMES[after.status]}」`);
          if (after.status === 'published' && before.status === 'draft' && Date.parse(after.startsAt) <= clock().getTime()) {
            throw fieldError('startsAt', '招募中的项目，开始时间须在现在之后');
          }
        }
        await updateProject(m, p.id, after);
        // the people holding a place hear of a cancellation, or of another time or place, with the project as it is now
        const moved = after.startsAt !== before.startsAt || after.endsAt !== before.endsAt || after.address !== before.address;
        if (before.status === 'published' && (after.status === 'cancelled' || moved)) {
          const current = (await findProject(m, p.id))!;
          await tellClaimants(m, current, await claimsOf(m, p.id), after.status === 'cancelled' ? 'cancelled' : 'moved', clock());
        }
        const diff = changedFields(projectView(before), projectView(after));
        await recordAudit(m, actor.id, ctx, { action: 'project.update', subjectType: 'project', subjectId: p.id, ...diff });
        return one(m, actor, p.id);
      });
    },

    /** `GET /projects/:id`: the project as the actor sees it (the organiser with every claim). */
    async get(actor: Actor, id: string): Promise<ProjectDto> {
      const p = await visible(db.manager, actor, id);
      return one(db.manager, actor, p.id);
    },

    /** `GET /projects`: staff see their jurisdiction's projects (every status); `orderId`: the project a demand became. */
    async list(actor: Actor, q: ListProjectsQuery): Promise<Page<ProjectDto>> {
      if (!isStaff(actor)) throw new ForbiddenError('只有工作人员可以管理项目清单；认领项目请到「社区项目」。');
      const j = jurisdictionOf(actor);
      if (j.kind === 'none') return { items: [], nextCursor: null };
      let path = j.kind === 'subtree' ? j.path : null;
      if (q.regionId !== undefined) {
        const r = await findRegion(db.manager, q.regionId);
        if (!r || !covers(j, r.path)) throw new NotFoundError('地区不存在。');
        path = r.path;
      }
      // a grid worker sees the published projects of their grid's community, not its drafts
      const organiser = isOrganiser(actor);
      if (!organiser && path !== null) path = path.replace(/[^/]+\/$/, '');
      const limit = q.limit ?? 20;
      const rows = await listProjects(db.manager, {
        path,
        statuses: organiser
          ? q.status === undefined
            ? undefined
            : [q.status]
          : q.status === undefined
            ? ['published', 'closed']
            : [q.status].filter((s) => s !== 'draft'),
        orderId: q.orderId,
        before: q.cursor === undefined ? undefined : decodeCursor(q.cursor),
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return { items: await present(db.manager, actor, page), nextCursor: rows.length > limit && last ? encodeCursor(last.created_at, last.id) : null };
    },

    /** `GET /me/projects`: the published (and finished) projects of the person's communities (双报到, and where they live). */
    async mine(actor: Actor): Promise<{ items: ProjectDto[] }> {
      const communities = await communitiesOf(db.manager, actor.id);
      if (communities.length === 0) return { items: [] };
      const rows = await listProjects(db.manager, { path: null, regionIds: communities, statuses: ['published', 'closed'], limit: 100 });
      return { items: await present(db.manager, actor, rows) };
    },

    /** `POST /projects/:id/claim`: one place for the person (认领), never more claims than places, one per person. */
    async claim(actor: Actor, id: string): Promise<ProjectDto> {
      return db.transaction(async (m) => {
        const p = await visible(m, actor, id);
        const s = standing(actor, await reportedTo(m, actor), p);
        if (!s.mayClaim) throw new ForbiddenError('双报到到本社区/村的在职党员和本社区/村的志愿者可以认领这个项目。');
        if (p.status !== 'published') throw new ConflictError('项目不在招募中，不能认领。');
        const now = clock();
        if (Date.parse(p.starts_at) <= now.getTime()) throw new ConflictError('项目已经开始，不能再认领。');
        if ((await insertClaim(m, p.id, actor.id)) === undefined) throw new ConflictError('您已经认领了这个项目。');
        if (!(await takePlace(m, p.id, now))) throw new ConflictError('名额已满。');
        return one(m, actor, p.id);
      });
    },

    /** `POST /projects/:id/claim/cancel`: the person gives their place back, before the project starts. */
    async cancelClaim(actor: Actor, id: string): Promise<ProjectDto> {
      return db.transaction(async (m) => {
        const p = await visible(m, actor, id, true);
        const now = clock();
        if (Date.parse(p.starts_at) <= now.getTime()) throw new ConflictError('项目已经开始，不能取消认领；不能参加请联系组织者。');
        if ((await cancelClaim(m, p.id, actor.id, now)) === undefined) throw new ConflictError('您没有可以取消的认领。');
        return one(m, actor, p.id);
      });
    },

    /** `POST /projects/:id/claims/:claimId/attendance`: the organiser confirms attended (with hours) or absent. */
    async confirm(actor: Actor, id: string, claimId: string, body: ConfirmAttendanceDto, ctx: AuditContext): Promise<ProjectDto> {
      return db.transaction(async (m) => {
        const p = await forOrganiser(m, actor, id);
        if (p.status !== 'published' && p.status !== 'closed') throw new ConflictError('只有招募中或已结束的项目可以确认出勤。');
        const claim = await confirmAttendance(m, p, claimId, body, { actorId: actor.id, at: clock() });
        await tellAttended(m, p, claim, clock());
        await recordAudit(m, actor.id, ctx, {
          action: 'project.attendance',
          subjectType: 'project',
          subjectId: p.id,
          before: { claimId: claim.id, userId: claim.user_id, status: 'claimed' },
          after: { claimId: claim.id, userId: claim.user_id, status: claim.status, minutes: claim.minutes, points: claim.points },
        });
        return one(m, actor, p.id);
      });
    },

    /** `GET /projects/lists?regionId=`: 需求清单 · 资源清单 · 项目清单 of one community, for its staff. */
    async threeLists(actor: Actor, regionId: string): Promise<ThreeListsDto> {
      if (!isStaff(actor)) throw new ForbiddenError('只有工作人员可以查看三张清单。');
      const c = await findRegion(db.manager, regionId);
      const j = jurisdictionOf(actor);
      // a grid worker looks at the lists of their grid's community
      const own = actor.regionPath !== null && c !== null && actor.regionPath.startsWith(c.path);
      if (!c || (!covers(j, c.path) && !own)) throw new NotFoundError('地区不存在。');
      if (c.level !== 'community') throw fieldError('regionId', '请选择到社区/村');
      const counts = await threeListCounts(db.manager, c.id, c.path, clock());
      const organiser = manages(actor, c.path);
      const rows = await listProjects(db.manager, { path: null, regionIds: [c.id], statuses: organiser ? undefined : ['published', 'closed'], limit: 50 });
      return {
        community: { id: c.id, name: c.name },
        demands: { open: counts.open, overdue: counts.overdue, byCategory: counts.by_category },
        resources: {
          volunteers: counts.volunteers,
          gridWorkers: counts.grid_workers,
          squads: counts.squads,
          partyMembers: counts.party_members,
          employedPartyMembers: counts.employed_party_members,
        },
        projects: await present(db.manager, actor, rows),
      };
    },
  };
}

function statusWord(s: ProjectStatus): string {
  return { draft: '还是草稿', published: '在招募中', closed: '已结束', cancelled: '已取消' }[s];
}

export type ProjectService = ReturnType<typeof createProjectService>;
