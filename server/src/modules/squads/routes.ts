import { API_PREFIX, AddSquadMemberDto, CreateSquadDto, UpdateSquadDto, type Page, type SquadDto, type UserDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import type { EntityManager } from 'typeorm';
import { ConflictError, ForbiddenError, NotFoundError, UUID_PATTERN, fieldError } from '../../errors';
import { validateBody } from '../../http/validate';
import { covers, isStaff, jurisdictionOf, pathCondition, type Jurisdiction } from '../access/jurisdiction';
import { fullViewReason, loadSubjects, presentUsers } from '../access/privacy';
import { requireActor, type Actor } from '../auth/plugin';
import { assertKnownCategories } from '../catalogue/known-categories';
import { Region } from '../regions/region.entity';
import { User } from '../users/user.entity';
import { SquadMember } from './squad.entity';
import { docs } from '../../http/openapi';
import { squadDetailSchema, squadPageSchema, squadSchema } from '../../http/response-schemas';

const UUID = UUID_PATTERN;

interface SquadRow {
  id: string;
  name: string;
  color: SquadDto['color'];
  region_id: string;
  leader_id: string;
  categories: string[];
  member_count: number;
  path: string;
}

const SQUAD_SELECT = `
  SELECT s.id, s.name, s.color, s.region_id, s.leader_id, s.categories, r.path,
         (SELECT count(*)::int FROM squad_member sm WHERE sm.squad_id = s.id) AS member_count
  FROM squad s JOIN region r ON r.id = s.region_id`;

function toSquadDto(r: SquadRow): SquadDto {
  return { id: r.id, name: r.name, color: r.color, regionId: r.region_id, leaderId: r.leader_id, categories: r.categories, memberCount: r.member_count };
}

/** A person who can serve in a squad (volunteer or grid worker) and lives inside the squad's area. */
async function checkServingMember(m: EntityManager, userId: string, squadPath: string, field: string): Promise<User> {
  const rows = await m.query<Array<{ id: string; path: string | null }>>(
    `SELECT u.id, r.path FROM app_user u LEFT JOIN region r ON r.id = u.region_id WHERE u.id = $1`,
    [userId],
  );
  const row = rows[0];
  if (!row || !row.path?.startsWith(squadPath)) throw fieldError(field, '该人员不在小分队所在地区');
  const user = await m.getRepository(User).findOneByOrFail({ id: userId });
  if (!user.roles.includes('volunteer') && !user.roles.includes('grid_worker')) throw fieldError(field, '只有志愿者或网格员可以加入小分队');
  return user;
}

/** The squad, when the actor may see it: staff with jurisdiction over its place, or one of its members. */
async function visibleSquad(m: EntityManager, actor: Actor, j: Jurisdiction, id: string, lock = false): Promise<SquadRow> {
  if (!UUID.test(id)) throw new NotFoundError('小分队不存在。');
  if (lock) await m.query(`SELECT 1 FROM squad WHERE id = $1 FOR UPDATE`, [id]);
  const [row] = await m.query<SquadRow[]>(`${SQUAD_SELECT} WHERE s.id = $1`, [id]);
  if (!row) throw new NotFoundError('小分队不存在。');
  if (covers(j, row.path)) return row;
  const member = await m.getRepository(SquadMember).existsBy({ squadId: id, userId: actor.id });
  if (!member) throw new NotFoundError('小分队不存在。');
  return row;
}

/** Who may add or remove members: staff with jurisdiction over the squad's place, or its leader. */
function canManageMembers(actor: Actor, j: Jurisdiction, squad: SquadRow): boolean {
  return (covers(j, squad.path) && (actor.roles.includes('admin') || actor.roles.includes('dispatcher'))) || squad.leader_id === actor.id;
}

/**
 * Squads (小分队): the seven colour teams (七彩帮帮团) and others. Admins and dispatchers set them up inside their
 * jurisdiction; the leader (often the grid worker) spreads tasks among the members and manages membership.
 */
export default async function squadRoutes(app: FastifyInstance): Promise<void> {
  const path = `${API_PREFIX}/squads`;

  app.post(path, { schema: docs({ tags: ['squads'], summary: '组建小分队', description: '管理员、调度员在管辖范围内组建；负责人须是该地区的志愿者或网格员，自动成为成员。', auth: 'required', response: { 201: squadSchema }, errors: [403, [404, '地区不在管辖范围内'], [409, '同一地区已有同名小分队']] }), preValidation: validateBody(CreateSquadDto) }, async (request, reply) => {
    const actor = requireActor(request);
    if (!actor.roles.includes('admin') && !actor.roles.includes('dispatcher')) throw new ForbiddenError('只有管理员和调度员可以组建小分队。');
    const body = request.body as CreateSquadDto;
    const dto = await app.db.transaction(async (m) => {
      const j = jurisdictionOf(actor);
      const region = await m.getRepository(Region).findOneBy({ id: body.regionId });
      if (!region || !covers(j, region.path)) throw new NotFoundError('地区不存在。');
      await assertKnownCategories(m, body.categories, 'categories');
      await checkServingMember(m, body.leaderId, region.path, 'leaderId');
      const inserted = await m.query<Array<{ id: string }>>(
        `INSERT INTO squad (name, color, region_id, leader_id, categories) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (region_id, name) DO NOTHING RETURNING id`,
        [body.name, body.color, body.regionId, body.leaderId, body.categories],
      );
      if (inserted.length === 0) throw new ConflictError(`「${region.name}」已有同名小分队：${body.name}。`);
      const id = inserted[0]!.id;
      // the leader is a member from the start
      await m.query(`INSERT INTO squad_member (squad_id, user_id) VALUES ($1, $2)`, [id, body.leaderId]);
      const [row] = await m.query<SquadRow[]>(`${SQUAD_SELECT} WHERE s.id = $1`, [id]);
      return toSquadDto(row!);
    });
    return reply.code(201).send(dto);
  });

  app.get<{ Querystring: { regionId?: string } }>(path, { schema: docs({ tags: ['squads'], summary: '小分队列表', description: '工作人员看到管辖范围内的小分队；每个人都看到自己所在的小分队。', auth: 'required', query: { regionId: { type: 'string', format: 'uuid' } }, response: { 200: squadPageSchema }, errors: [403, 404] }) }, async (request): Promise<Page<SquadDto>> => {
    const actor = requireActor(request);
    const { regionId } = request.query;
    if (regionId !== undefined && !UUID.test(regionId)) throw fieldError('regionId', '地区编号格式不正确');
    if (!isStaff(actor) && !actor.roles.includes('volunteer')) throw new ForbiddenError('只有工作人员和志愿者可以查看小分队。');
    return app.db.transaction(async (m) => {
      const j = jurisdictionOf(actor);
      const params: unknown[] = [];
      // staff see the squads of their jurisdiction; everyone sees the squads they belong to
      const inScope = pathCondition(j, 'r.path', params);
      params.push(actor.id);
      const where = [`(${inScope} OR EXISTS (SELECT 1 FROM squad_member sm WHERE sm.squad_id = s.id AND sm.user_id = $${params.length}))`];
      if (regionId !== undefined) {
        const region = await m.getRepository(Region).findOneBy({ id: regionId });
        if (!region) throw new NotFoundError('地区不存在。');
        params.push(region.path);
        where.push(`r.path LIKE $${params.length} || '%'`);
      }
      const rows = await m.query<SquadRow[]>(`${SQUAD_SELECT} WHERE ${where.join(' AND ')} ORDER BY s.name LIMIT 500`, params);
      return { items: rows.map(toSquadDto), nextCursor: null };
    });
  });

  app.get<{ Params: { id: string } }>(`${path}/:id`, { schema: docs({ tags: ['squads'], summary: '小分队详情与成员', auth: 'required', params: { id: { type: 'string', format: 'uuid' } }, response: { 200: squadDetailSchema }, errors: [404] }) }, async (request): Promise<SquadDto & { members: UserDto[] }> => {
    const actor = requireActor(request);
    return app.db.transaction(async (m) => {
      const j = jurisdictionOf(actor);
      const squad = await visibleSquad(m, actor, j, request.params.id);
      const rows = await m.query<Array<{ id: string; path: string | null }>>(
        `SELECT u.id, r.path FROM squad_member sm JOIN app_user u ON u.id = sm.user_id LEFT JOIN region r ON r.id = u.region_id
         WHERE sm.squad_id = $1 ORDER BY sm.joined_at, u.id`,
        [squad.id],
      );
      // fellow members see each other masked; staff with jurisdiction see them in full (and it is recorded)
      const members = await presentUsers(m, actor, await loadSubjects(m, rows), (s) => fullViewReason(actor, j, s));
      return { ...toSquadDto(squad), members };
    });
  });

  app.patch<{ Params: { id: string } }>(
    `${path}/:id`,
    {
      schema: docs({ tags: ['squads'], summary: '修改小分队（含更换负责人）', description: '有管辖权的管理员、调度员。新负责人须已是成员。', auth: 'required', params: { id: { type: 'string', format: 'uuid' } }, response: { 200: squadSchema }, errors: [403, 404, [409, '同一地区已有同名小分队']] }),
      preValidation: validateBody(UpdateSquadDto),
    },
    async (request) => {
      const actor = requireActor(request);
      const patch = request.body as UpdateSquadDto;
      return app.db.transaction(async (m) => {
        const j = jurisdictionOf(actor);
        const squad = await visibleSquad(m, actor, j, request.params.id, true);
        if (!covers(j, squad.path) || (!actor.roles.includes('admin') && !actor.roles.includes('dispatcher'))) {
          throw new ForbiddenError('只有有管辖权的管理员和调度员可以修改小分队。');
        }
        if (patch.leaderId !== undefined && !(await m.getRepository(SquadMember).existsBy({ squadId: squad.id, userId: patch.leaderId }))) {
          throw fieldError('leaderId', '新负责人须先加入小分队');
        }
        await assertKnownCategories(m, patch.categories, 'categories');
        if (patch.name !== undefined && patch.name !== squad.name) {
          const taken = await m.query<unknown[]>(`SELECT 1 FROM squad WHERE region_id = $1 AND name = $2`, [squad.region_id, patch.name]);
          if (taken.length > 0) throw new ConflictError(`同一地区已有同名小分队：${patch.name}。`);
        }
        await m.query(
          `UPDATE squad SET name = coalesce($2, name), color = coalesce($3, color), leader_id = coalesce($4, leader_id),
                  categories = coalesce($5, categories), updated_at = now() WHERE id = $1`,
          [squad.id, patch.name ?? null, patch.color ?? null, patch.leaderId ?? null, patch.categories ?? null],
        );
        const [row] = await m.query<SquadRow[]>(`${SQUAD_SELECT} WHERE s.id = $1`, [squad.id]);
        return toSquadDto(row!);
      });
    },
  );

  app.post<{ Params: { id: string } }>(`${path}/:id/members`, { schema: docs({ tags: ['squads'], summary: '加入成员', description: '有管辖权的管理员、调度员，或小分队负责人。', auth: 'required', params: { id: { type: 'string', format: 'uuid' } }, response: { 201: squadSchema }, errors: [403, 404, [409, '该人员已在小分队中']] }), preValidation: validateBody(AddSquadMemberDto) }, async (request, reply) => {
    const actor = requireActor(request);
    const { userId } = request.body as AddSquadMemberDto;
    const dto = await app.db.transaction(async (m) => {
      const j = jurisdictionOf(actor);
      const squad = await visibleSquad(m, actor, j, request.params.id, true);
      if (!canManageMembers(actor, j, squad)) throw new ForbiddenError('只有调度员、管理员或小分队负责人可以调整成员。');
      await checkServingMember(m, userId, squad.path, 'userId');
      const added = await m.query<unknown[]>(`INSERT INTO squad_member (squad_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING user_id`, [squad.id, userId]);
      if (added.length === 0) throw new ConflictError('该人员已在小分队中。');
      const [row] = await m.query<SquadRow[]>(`${SQUAD_SELECT} WHERE s.id = $1`, [squad.id]);
      return toSquadDto(row!);
    });
    return reply.code(201).send(dto);
  });

  app.delete<{ Params: { id: string; userId: string } }>(`${path}/:id/members/:userId`, { schema: docs({ tags: ['squads'], summary: '移出成员', description: '负责人不能移出（409）。', auth: 'required', params: { id: { type: 'string', format: 'uuid' }, userId: { type: 'string', format: 'uuid' } }, response: { 204: null }, errors: [403, 404, [409, '负责人不能移出小分队']] }) }, async (request, reply) => {
    const actor = requireActor(request);
    await app.db.transaction(async (m) => {
      const j = jurisdictionOf(actor);
      const squad = await visibleSquad(m, actor, j, request.params.id, true);
      if (!canManageMembers(actor, j, squad)) throw new ForbiddenError('只有调度员、管理员或小分队负责人可以调整成员。');
      if (request.params.userId === squad.leader_id) throw new ConflictError('负责人不能移出小分队，请先更换负责人。');
      if (!UUID.test(request.params.userId)) throw new NotFoundError('该人员不在小分队中。');
      const removed = await m.query<[unknown[], number]>(`DELETE FROM squad_member WHERE squad_id = $1 AND user_id = $2`, [squad.id, request.params.userId]);
      if (removed[1] === 0) throw new NotFoundError('该人员不在小分队中。');
    });
    return reply.code(204).send();
  });
}
