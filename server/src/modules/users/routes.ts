import {
  API_PREFIX,
  CreateUserDto,
  DutyDto,
  ListUsersQuery,
  ME_PATH,
  RosterDto,
  UpdateMeDto,
  UpdateUserDto,
  isAvailableNow,
  isValidSlot,
  type DutyStatusDto,
  type MeDto,
  type Page,
  type Role,
  type UserDto,
} from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import type { EntityManager } from 'typeorm';
import { ConflictError, ForbiddenError, NotFoundError, ValidationFailedError, UUID_PATTERN, fieldError } from '../../errors';
import { validateBody, validateQuery } from '../../http/validate';
import { covers, isStaff, jurisdictionOf, pathCondition, type Jurisdiction } from '../access/jurisdiction';
import { fullViewReason, loadSubjects, presentUsers } from '../access/privacy';
import { requireActor, type Actor } from '../auth/plugin';
import { assertKnownCategories } from '../catalogue/known-categories';
import { Region } from '../regions/region.entity';
import { User, toMeDto } from './user.entity';
import { docs } from '../../http/openapi';
import { dutyStatusSchema, meSchema, userPageSchema, userSchema } from '../../http/response-schemas';

const UUID = UUID_PATTERN;
/** Roles only an admin hands out (or takes away). */
const ADMIN_GRANTED: readonly Role[] = ['admin', 'dispatcher'];

/**
 * Who may give which roles: only an admin grants or removes admin/dispatcher; a dispatcher manages residents,
 * volunteers and grid workers; a grid worker registers residents of their grid (elderly people without phones).
 */
function checkRoleChange(actor: Actor, before: readonly Role[], after: readonly Role[]): void {
  const changed = [...after.filter((r) => !before.includes(r)), ...before.filter((r) => !after.includes(r))];
  if (changed.length === 0) return;
  if (actor.roles.includes('admin')) return;
  if (changed.some((r) => ADMIN_GRANTED.includes(r))) throw new ForbiddenError('只有管理员可以授予或收回管理员、调度员角色。');
  if (actor.roles.includes('dispatcher')) return;
  if (actor.roles.includes('grid_worker') && changed.every((r) => r === 'resident')) return;
  throw new ForbiddenError('网格员只能登记居民。');
}

async function regionInScope(m: EntityManager, j: Jurisdiction, regionId: string, roles: readonly Role[]): Promise<Region> {
  const region = await m.getRepository(Region).findOneBy({ id: regionId });
  if (!region || !covers(j, region.path)) throw new NotFoundError('地区不存在。');
  const staffOnly = roles.every((r) => r === 'dispatcher' || r === 'admin');
  if (!staffOnly && region.level !== 'grid' && region.level !== 'community') {
    throw fieldError('regionId', '居民、志愿者和网格员的所属地区须为社区/村或网格');
  }
  return region;
}

async function checkCadre(m: EntityManager, j: Jurisdiction, cadreId: string | undefined): Promise<void> {
  if (cadreId === undefined) return;
  const row = await m.query<Array<{ path: string | null }>>(
    `SELECT r.path FROM app_user u LEFT JOIN region r ON r.id = u.region_id WHERE u.id = $1`,
    [cadreId],
  );
  if (row.length === 0 || !covers(j, row[0]?.path)) throw fieldError('pairedCadreId', '包联责任人不存在');
}

async function loadSubject(m: EntityManager, id: string, lock = false): Promise<{ user: User; regionPath: string | null } | undefined> {
  if (!UUID.test(id)) return undefined;
  const user = await m.getRepository(User).findOne({ where: { id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  if (!user) return undefined;
  const region = user.regionId ? await m.getRepository(Region).findOneBy({ id: user.regionId }) : null;
  return { user, regionPath: region?.path ?? null };
}

function encodeCursor(u: User): string {
  return Buffer.from(JSON.stringify([u.createdAt.toISOString(), u.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at === 'string' && !Number.isNaN(Date.parse(at)) && typeof id === 'string' && UUID.test(id)) return [at, id];
  } catch {
    /* fall through */
  }
  throw fieldError('cursor', '分页游标无效');
}

function applyLocation(target: Partial<User>, location: { lat: number; lng: number } | undefined): void {
  if (location === undefined) return;
  target.locationLat = location.lat;
  target.locationLng = location.lng;
}

/** People: staff (admin, dispatcher, grid worker) manage those in their jurisdiction; everyone manages themself. */
export default async function userRoutes(app: FastifyInstance): Promise<void> {
  const path = `${API_PREFIX}/users`;

  app.post(path, { schema: docs({ tags: ['users'], summary: '登记人员', description: '管理员、调度员在管辖范围内登记居民、志愿者、网格员；只有管理员可授予管理员、调度员角色；网格员可为本网格登记居民（为没有智能手机的老人代办）。', auth: 'required', response: { 201: userSchema }, errors: [[403, '角色不能登记此类人员'], [404, '地区不在管辖范围内'], [409, '该手机号已登记']] }), preValidation: validateBody(CreateUserDto) }, async (request, reply) => {
    const actor = requireActor(request);
    if (!isStaff(actor)) throw new ForbiddenError('只有管理员、调度员和网格员可以登记人员。');
    const body = request.body as CreateUserDto;
    if (body.roles.length === 0) throw fieldError('roles', '至少需要一个角色');
    checkRoleChange(actor, [], body.roles);
    const dto = await app.db.transaction(async (m) => {
      const j = jurisdictionOf(actor);
      await regionInScope(m, j, body.regionId, body.roles);
      await assertKnownCategories(m, body.skills, 'skills');
      await checkCadre(m, j, body.pairedCadreId);
      const inserted = await m.query<Array<{ id: string }>>(
        `INSERT INTO app_user (name, phone, roles, region_id, skills, party_member, employed_party_member, address, tags, paired_cadre_id, location_lat, location_lng)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (phone) DO NOTHING RETURNING id`,
        [
          body.name,
          body.phone,
          body.roles,
          body.regionId,
          body.skills ?? [],
          body.partyMember ?? false,
          body.employedPartyMember ?? false,
          body.address ?? null,
          body.tags ?? [],
          body.pairedCadreId ?? null,
          body.location?.lat ?? null,
          body.location?.lng ?? null,
        ],
      );
      if (inserted.length === 0) throw new ConflictError('该手机号已登记。');
      const subject = await loadSubject(m, inserted[0]!.id);
      const [out] = await presentUsers(m, actor, [subject!], (s) => fullViewReason(actor, j, s));
      return out!;
    });
    return reply.code(201).send(dto);
  });

  app.get(path, { schema: docs({ tags: ['users'], summary: '人员名单（管辖范围内）', description: '按创建时间倒序，游标分页；`q` 匹配姓名或手机号开头。每个完整显示的他人都记入访问记录。', auth: 'required', response: { 200: userPageSchema }, errors: [403, [404, '地区不在管辖范围内']] }), preValidation: validateQuery(ListUsersQuery) }, async (request): Promise<Page<UserDto>> => {
    const actor = requireActor(request);
    if (!isStaff(actor)) throw new ForbiddenError('只有管理员、调度员和网格员可以查看人员名单。');
    const q = request.query as ListUsersQuery;
    const limit = q.limit ?? 20;
    return app.db.transaction(async (m) => {
      const j = jurisdictionOf(actor);
      const params: unknown[] = [];
      const where: string[] = [pathCondition(j, 'r.path', params)];
      if (q.regionId !== undefined) {
        const region = await m.getRepository(Region).findOneBy({ id: q.regionId });
        if (!region || !covers(j, region.path)) throw new NotFoundError('地区不存在。');
        params.push(region.path);
        where.push(`r.path LIKE $${params.length} || '%'`);
      }
      if (q.role !== undefined) {
        params.push(q.role);
        where.push(`$${params.length} = ANY(u.roles)`);
      }
      if (q.q !== undefined) {
        params.push(`%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`, `${q.q.replace(/\D/g, '')}%`);
        where.push(`(u.name ILIKE $${params.length - 1} OR ($${params.length} <> '%' AND u.phone LIKE $${params.length}))`);
      }
      if (q.cursor !== undefined) {
        const [at, id] = decodeCursor(q.cursor);
        params.push(at, id);
        where.push(`(u.created_at, u.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
      }
      params.push(limit + 1);
      const ids = await m.query<Array<{ id: string; path: string | null }>>(
        `SELECT u.id, r.path FROM app_user u LEFT JOIN region r ON r.id = u.region_id
         WHERE ${where.join(' AND ')} ORDER BY u.created_at DESC, u.id DESC LIMIT $${params.length}`,
        params,
      );
      const page = ids.slice(0, limit);
      const subjects = await loadSubjects(m, page);
      const items = await presentUsers(m, actor, subjects, (s) => fullViewReason(actor, j, s));
      const last = subjects.at(-1);
      return { items, nextCursor: ids.length > limit && last ? encodeCursor(last.user) : null };
    });
  });

  app.get<{ Params: { id: string } }>(`${path}/:id`, { schema: docs({ tags: ['users'], summary: '人员详情', description: '本人或有管辖权的工作人员可以查看；其他人 404。', auth: 'required', params: { id: { type: 'string', format: 'uuid' } }, response: { 200: userSchema }, errors: [404] }) }, async (request): Promise<UserDto> => {
    const actor = requireActor(request);
    return app.db.transaction(async (m) => {
      const j = jurisdictionOf(actor);
      const subject = await loadSubject(m, request.params.id);
      const reason = subject ? fullViewReason(actor, j, subject) : undefined;
      // outside your jurisdiction a person does not exist for you
      if (!subject || reason === undefined) throw new NotFoundError('该人员不存在。');
      const [dto] = await presentUsers(m, actor, [subject], () => reason);
      return dto!;
    });
  });

  app.patch<{ Params: { id: string } }>(`${path}/:id`, { schema: docs({ tags: ['users'], summary: '修改人员资料（工作人员）', description: '本人请用 `PATCH /me`。只有管理员可授予或收回管理员、调度员角色；网格员只能修改居民。', auth: 'required', params: { id: { type: 'string', format: 'uuid' } }, response: { 200: userSchema }, errors: [403, 404, [409, '该手机号已登记']] }), preValidation: validateBody(UpdateUserDto) }, async (request) => {
    const actor = requireActor(request);
    if (!isStaff(actor)) throw new ForbiddenError('请在“我的”页面修改自己的资料。');
    const patch = request.body as UpdateUserDto;
    return app.db.transaction(async (m) => {
      const j = jurisdictionOf(actor);
      const subject = await loadSubject(m, request.params.id, true);
      if (!subject || !covers(j, subject.regionPath)) throw new NotFoundError('该人员不存在。');
      const user = subject.user;
      const roles = patch.roles ?? user.roles;
      if (roles.length === 0) throw fieldError('roles', '至少需要一个角色');
      checkRoleChange(actor, user.roles, roles);
      // a grid worker keeps the ledger of residents; they do not edit other staff
      if (!actor.roles.includes('admin') && !actor.roles.includes('dispatcher') && user.roles.some((r) => r !== 'resident')) {
        throw new ForbiddenError('网格员只能修改居民的资料。');
      }
      if (patch.regionId !== undefined || patch.roles !== undefined) await regionInScope(m, j, patch.regionId ?? user.regionId ?? '', roles);
      await assertKnownCategories(m, patch.skills, 'skills');
      await checkCadre(m, j, patch.pairedCadreId);
      const { location, ...rest } = patch;
      const changes: Partial<User> = { ...rest };
      applyLocation(changes, location);
      if (Object.keys(changes).length > 0) {
        try {
          await m.getRepository(User).update({ id: user.id }, changes);
        } catch (err) {
          if ((err as { driverError?: { code?: string } }).driverError?.code === '23505') throw new ConflictError('该手机号已登记。');
          throw err;
        }
      }
      const fresh = await loadSubject(m, user.id);
      const [dto] = await presentUsers(m, actor, [fresh!], (s) => fullViewReason(actor, j, s));
      return dto!;
    });
  });

  app.patch(ME_PATH, { schema: docs({ tags: ['me'], summary: '修改本人资料', description: '姓名、地址、位置、技能；角色、地区、台账标签由工作人员维护（发送这些字段会得到 400）。', auth: 'required', response: { 200: meSchema } }), preValidation: validateBody(UpdateMeDto) }, async (request): Promise<MeDto> => {
    const actor = requireActor(request);
    const patch = request.body as UpdateMeDto;
    return app.db.transaction(async (m) => {
      await assertKnownCategories(m, patch.skills, 'skills');
      const { location, ...rest } = patch;
      const changes: Partial<User> = { ...rest };
      applyLocation(changes, location);
      if (Object.keys(changes).length > 0) await m.getRepository(User).update({ id: actor.id }, changes);
      return toMeDto(await m.getRepository(User).findOneByOrFail({ id: actor.id }));
    });
  });

  app.put(`${ME_PATH}/duty`, { schema: docs({ tags: ['me'], summary: '上岗 / 下岗', description: '志愿者和网格员自己切换是否接单，就像司机“出车”。', auth: 'required', response: { 200: dutyStatusSchema }, errors: [403] }), preValidation: validateBody(DutyDto) }, async (request): Promise<DutyStatusDto> => {
    const actor = requireActor(request);
    if (!actor.roles.includes('volunteer') && !actor.roles.includes('grid_worker')) {
      throw new ForbiddenError('只有志愿者和网格员可以上岗接单。');
    }
    const { onDuty } = request.body as DutyDto;
    await app.db.getRepository(User).update({ id: actor.id }, { onDuty });
    const roster = actor.user.roster;
    return { onDuty, availableNow: isAvailableNow(onDuty, roster, app.clock()), roster };
  });

  app.put<{ Params: { id: string } }>(`${path}/:id/roster`, { schema: docs({ tags: ['users'], summary: '设置每周值班表', description: '本人（志愿者、网格员）或有管辖权的工作人员；空列表表示不设值班表（在岗即可接单）。', auth: 'required', params: { id: { type: 'string', format: 'uuid' } }, response: { 200: dutyStatusSchema }, errors: [403, 404] }) , preValidation: validateBody(RosterDto) }, async (request): Promise<DutyStatusDto> => {
    const actor = requireActor(request);
    const { slots } = request.body as RosterDto;
    slots.forEach((slot, i) => {
      if (!isValidSlot(slot)) {
        throw new ValidationFailedError(`请求内容有误：slots[${i}] 开始时间须早于结束时间。`, [
          { field: `slots[${i}].end`, message: '开始时间须早于结束时间' },
        ]);
      }
    });
    return app.db.transaction(async (m) => {
      const j = jurisdictionOf(actor);
      const subject = await loadSubject(m, request.params.id, true);
      if (!subject || (subject.user.id !== actor.id && !covers(j, subject.regionPath))) throw new NotFoundError('该人员不存在。');
      if (!subject.user.roles.includes('volunteer') && !subject.user.roles.includes('grid_worker')) {
        throw new ForbiddenError('只有志愿者和网格员有值班表。');
      }
      const roster = slots.map((s) => ({ weekday: s.weekday, start: s.start, end: s.end }));
      await m.getRepository(User).update({ id: subject.user.id }, { roster: roster.length > 0 ? roster : null });
      const onDuty = subject.user.onDuty;
      return { onDuty, availableNow: isAvailableNow(onDuty, roster.length > 0 ? roster : null, app.clock()), roster: roster.length > 0 ? roster : null };
    });
  });
}
