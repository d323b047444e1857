import type { AddSquadMemberDto, CreateSquadDto, Page, SquadDto, UpdateSquadDto, UserDto } from '@bangbang/shared';
import type { DataSource, EntityManager } from 'typeorm';
import { ConflictError, ForbiddenError, NotFoundError, UUID_PATTERN, fieldError } from '../../errors';
import { covers, isStaff, jurisdictionOf, type Jurisdiction } from '../access/jurisdiction';
import { fullViewReason, loadSubjects, presentUsers } from '../users/present';
import type { Actor } from '../auth/actor';
import { changedFields, recordAudit, type AuditContext } from '../audit/service';
import { assertKnownCategories } from '../catalogue/known-categories';
import { regionOr404 } from '../regions/lookup';
import type { User } from '../users/user.entity';
import { findUserPlace, getUser } from '../users/user.repo';
import {
  addSquadMember,
  findSquad,
  insertLeader,
  insertSquad,
  isSquadMember,
  isSquadNameTaken,
  listMemberPlaces,
  listSquads,
  lockSquad,
  removeSquadMember,
  updateSquad,
  type SquadRow,
} from './squad.repo';

/** The one answer for a squad that does not exist or that the asker may not see. */
const squadNotFound = () => new NotFoundError('小分队不存在。');

const UUID = UUID_PATTERN;

export function toSquadDto(r: SquadRow): SquadDto {
  return {
    id: r.id,
    name: r.name,
    color: r.color,
    regionId: r.region_id,
    leaderId: r.leader_id,
    categories: r.categories,
    memberCount: r.member_count,
    leaderName: r.leader_name,
    regionName: r.region_name,
  };
}

/** A person who can serve in a squad (volunteer or grid worker) and lives inside the squad's area. */
async function checkServingMember(m: EntityManager, userId: string, squadPath: string, field: string): Promise<User> {
  const row = await findUserPlace(m, userId);
  if (!row || !row.path?.startsWith(squadPath)) throw fieldError(field, '该人员不在小分队所在地区');
  const user = await getUser(m, userId);
  if (!user.roles.includes('volunteer') && !user.roles.includes('grid_worker')) throw fieldError(field, '只有志愿者或网格员可以加入小分队');
  return user;
}

/** The squad, when the actor may see it: staff with jurisdiction over its place, or one of its members. */
async function visibleSquad(m: EntityManager, actor: Actor, j: Jurisdiction, id: string, lock = false): Promise<SquadRow> {
  if (!UUID.test(id)) throw squadNotFound();
  if (lock) await lockSquad(m, id);
  const row = await findSquad(m, id);
  if (!row) throw squadNotFound();
  if (covers(j, row.path)) return row;
  if (!(await isSquadMember(m, id, actor.id))) throw squadNotFound();
  return row;
}

/** Who may add or remove members: staff with jurisdiction over the squad's place, or its leader. */
function canManageMembers(actor: Actor, j: Jurisdiction, squad: SquadRow): boolean {
  return (covers(j, squad.path) && (actor.roles.includes('admin') || actor.roles.includes('dispatcher'))) || squad.leader_id === actor.id;
}

const MANAGERS_ONLY = '只有调度员、管理员或小分队负责人可以调整成员。';

export interface SquadServiceDeps {
  db: DataSource;
}

/**
 * Squads (小分队): the seven colour teams (七彩帮帮团) and others. Admins and dispatchers set them up inside their
 * jurisdiction; the leader (often the grid worker) spreads tasks among the members and manages membership.
 */
export function createSquadService({ db }: SquadServiceDeps) {
  return {
    /** Sets up a squad; its leader (a volunteer or grid worker of the place) is a member from the start. */
    async create(actor: Actor, body: CreateSquadDto, ctx: AuditContext): Promise<SquadDto> {
      if (!actor.roles.includes('admin') && !actor.roles.includes('dispatcher')) throw new ForbiddenError('只有管理员和调度员可以组建小分队。');
      return db.transaction(async (m) => {
        const j = jurisdictionOf(actor);
        const region = await regionOr404(m, body.regionId, j);
        await assertKnownCategories(m, body.categories, 'categories');
        await checkServingMember(m, body.leaderId, region.path, 'leaderId');
        const id = await insertSquad(m, { name: body.name, color: body.color, regionId: body.regionId, leaderId: body.leaderId, categories: body.categories });
        if (id === undefined) throw new ConflictError(`「${region.name}」已有同名小分队：${body.name}。`);
        // the leader is a member from the start
        await insertLeader(m, id, body.leaderId);
        const created = toSquadDto((await findSquad(m, id))!);
        await recordAudit(m, actor.id, ctx, { action: 'squad.create', subjectType: 'squad', subjectId: id, before: null, after: { ...created } });
        return created;
      });
    },

    /** Staff see the squads of their jurisdiction; everyone sees the squads they belong to. */
    async list(actor: Actor, { regionId }: { regionId?: string }): Promise<Page<SquadDto>> {
      if (!isStaff(actor) && !actor.roles.includes('volunteer')) throw new ForbiddenError('只有工作人员和志愿者可以查看小分队。');
      return db.transaction(async (m) => {
        const j = jurisdictionOf(actor);
        let regionPath: string | undefined;
        if (regionId !== undefined) {
          const region = await regionOr404(m, regionId);
          regionPath = region.path;
        }
        const rows = await listSquads(m, { jurisdiction: j, memberId: actor.id, regionPath });
        return { items: rows.map(toSquadDto), nextCursor: null };
      });
    },

    /** The squad and its members: fellow members see each other masked; staff with jurisdiction in full (recorded). */
    async get(actor: Actor, id: string): Promise<SquadDto & { members: UserDto[] }> {
      return db.transaction(async (m) => {
        const j = jurisdictionOf(actor);
        const squad = await visibleSquad(m, actor, j, id);
        const rows = await listMemberPlaces(m, squad.id);
        const members = await presentUsers(m, actor, await loadSubjects(m, rows), (s) => fullViewReason(actor, j, s));
        return { ...toSquadDto(squad), members };
      });
    },

    /** Admins and dispatchers with jurisdiction change a squad (a new leader must be a member already). */
    async update(actor: Actor, id: string, patch: UpdateSquadDto, ctx: AuditContext): Promise<SquadDto> {
      return db.transaction(async (m) => {
        const j = jurisdictionOf(actor);
        const squad = await visibleSquad(m, actor, j, id, true);
        if (!covers(j, squad.path) || (!actor.roles.includes('admin') && !actor.roles.includes('dispatcher'))) {
          throw new ForbiddenError('只有有管辖权的管理员和调度员可以修改小分队。');
        }
        if (patch.leaderId !== undefined && !(await isSquadMember(m, squad.id, patch.leaderId))) {
          throw fieldError('leaderId', '新负责人须先加入小分队');
        }
        await assertKnownCategories(m, patch.categories, 'categories');
        if (patch.name !== undefined && patch.name !== squad.name && (await isSquadNameTaken(m, squad.region_id, patch.name))) {
          throw new ConflictError(`同一地区已有同名小分队：${patch.name}。`);
        }
        await updateSquad(m, squad.id, patch);
        const fresh = toSquadDto((await findSquad(m, squad.id))!);
        const diff = changedFields({ ...toSquadDto(squad) }, { ...fresh });
        await recordAudit(m, actor.id, ctx, { action: 'squad.update', subjectType: 'squad', subjectId: squad.id, ...diff });
        return fresh;
      });
    },

    async addMember(actor: Actor, id: string, { userId }: AddSquadMemberDto, ctx: AuditContext): Promise<SquadDto> {
      return db.transaction(async (m) => {
        const j = jurisdictionOf(actor);
        const squad = await visibleSquad(m, actor, j, id, true);
        if (!canManageMembers(actor, j, squad)) throw new ForbiddenError(MANAGERS_ONLY);
        await checkServingMember(m, userId, squad.path, 'userId');
        if (!(await addSquadMember(m, squad.id, userId))) throw new ConflictError('该人员已在小分队中。');
        await recordAudit(m, actor.id, ctx, { action: 'squad.add_member', subjectType: 'squad', subjectId: squad.id, before: null, after: { userId } });
        return toSquadDto((await findSquad(m, squad.id))!);
      });
    },

    /** The leader cannot be removed (change the leader first). */
    async removeMember(actor: Actor, id: string, userId: string, ctx: AuditContext): Promise<void> {
      await db.transaction(async (m) => {
        const j = jurisdictionOf(actor);
        const squad = await visibleSquad(m, actor, j, id, true);
        if (!canManageMembers(actor, j, squad)) throw new ForbiddenError(MANAGERS_ONLY);
        if (userId === squad.leader_id) throw new ConflictError('负责人不能移出小分队，请先更换负责人。');
        if (!UUID.test(userId)) throw new NotFoundError('该人员不在小分队中。');
        if (!(await removeSquadMember(m, squad.id, userId))) throw new NotFoundError('该人员不在小分队中。');
        await recordAudit(m, actor.id, ctx, { action: 'squad.remove_member', subjectType: 'squad', subjectId: squad.id, before: { userId }, after: null });
      });
    },
  };
}

export type SquadService = ReturnType<typeof createSquadService>;
