import { randomUUID } from 'node:crypto';
import { API_PREFIX, CreateRegionDto, REGION_LEVELS, type Page, type RegionDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { ConflictError, NotFoundError, ValidationFailedError, UUID_PATTERN } from '../../errors';
import { validateBody } from '../../http/validate';
import { covers, jurisdictionOf } from '../access/jurisdiction';
import { requireActor, requireRole } from '../auth/plugin';
import { Region, toRegionDto } from './region.entity';
import { docs } from '../../http/openapi';
import { regionPageSchema, regionSchema } from '../../http/response-schemas';

const UUID = UUID_PATTERN;

/**
 * The place tree. Place names and centres are public knowledge (a resident picks their community from them), so
 * any logged-in person may read the tree; only an admin changes it, and only inside their jurisdiction.
 */
export default async function regionRoutes(app: FastifyInstance): Promise<void> {
  const path = `${API_PREFIX}/regions`;

  app.post(path, { schema: docs({ tags: ['regions'], summary: '新增地区（管理员）', description: '新地区须比上级低一级（盟市 → 旗县 → 乡镇/街道 → 社区/村 → 网格）；只有不限地区的管理员可以新增盟市。上级不在管辖范围内：404。', auth: 'required', response: { 201: regionSchema }, errors: [403, [404, '上级地区不存在或不在管辖范围内'], [409, '同一上级下已有同名地区']] }), preValidation: validateBody(CreateRegionDto) }, async (request, reply) => {
    const actor = requireActor(request);
    requireRole(actor, ['admin'], '只有管理员可以设置地区和网格。');
    const body = request.body as CreateRegionDto;
    const created = await app.db.transaction(async (m) => {
      const j = jurisdictionOf(actor);
      let parent: Region | null = null;
      if (body.level === 'city') {
        if (body.parentId !== undefined) {
          throw new ValidationFailedError('请求内容有误：parentId 盟市是最高一级，没有上级。', [{ field: 'parentId', message: '盟市是最高一级，没有上级' }]);
        }
        if (j.kind !== 'everything') throw new NotFoundError('上级地区不存在。');
      } else {
        if (body.parentId === undefined) {
          throw new ValidationFailedError('请求内容有误：parentId 必填。', [{ field: 'parentId', message: '必填' }]);
        }
        parent = await m.getRepository(Region).findOne({ where: { id: body.parentId }, lock: { mode: 'pessimistic_write' } });
        if (!parent || !covers(j, parent.path)) throw new NotFoundError('上级地区不存在。');
        const expected = REGION_LEVELS[REGION_LEVELS.indexOf(parent.level) + 1];
        if (body.level !== expected) {
          throw new ValidationFailedError(`请求内容有误：level 在「${parent.name}」下只能设 ${expected ?? '（无）'}。`, [
            { field: 'level', message: expected ? `上级是 ${parent.level}，这一级须为 ${expected}` : '网格下不能再设下级' },
          ]);
        }
      }
      // same name under the same parent: a clear message here; the unique constraint guards the race (→ 409)
      if (parent && (await m.getRepository(Region).existsBy({ parentId: parent.id, name: body.name }))) {
        throw new ConflictError(`「${parent.name}」下已有同名地区：${body.name}。`);
      }
      const id = randomUUID();
      const region = m.getRepository(Region).create({
        id,
        parentId: parent?.id ?? null,
        level: body.level,
        name: body.name,
        path: `${parent?.path ?? '/'}${id}/`,
        centerLat: body.center?.lat ?? null,
        centerLng: body.center?.lng ?? null,
        // a new place dispatches as its parent does until someone sets its own mode
        effectiveDispatchMode: parent?.effectiveDispatchMode ?? 'manual',
      });
      await m.getRepository(Region).insert(region);
      return m.getRepository(Region).findOneByOrFail({ id });
    });
    return reply.code(201).send(toRegionDto(created));
  });

  app.get<{ Querystring: { parentId?: string } }>(path, { schema: docs({ tags: ['regions'], summary: '下级地区列表', description: '不带 `parentId` 时列出各盟市。地名公开，任何登录的人都可以查看。', auth: 'required', query: { parentId: { type: 'string', format: 'uuid' } }, response: { 200: regionPageSchema }, errors: [400, 404] }) }, async (request): Promise<Page<RegionDto>> => {
    requireActor(request);
    const { parentId } = request.query;
    if (parentId !== undefined && !UUID.test(parentId)) {
      throw new ValidationFailedError('请求内容有误：parentId 地区编号格式不正确。', [{ field: 'parentId', message: '地区编号格式不正确' }]);
    }
    if (parentId !== undefined && !(await app.db.getRepository(Region).existsBy({ id: parentId }))) {
      throw new NotFoundError('地区不存在。');
    }
    // without parentId: the roots (cities). Children of one place are few (a community has tens of grids).
    const rows = await app.db
      .getRepository(Region)
      .createQueryBuilder('r')
      .where(parentId === undefined ? 'r.parent_id IS NULL' : 'r.parent_id = :parentId', { parentId })
      .orderBy('r.name', 'ASC')
      .getMany();
    return { items: rows.map(toRegionDto), nextCursor: null };
  });

  app.get<{ Params: { id: string } }>(`${path}/:id`, { schema: docs({ tags: ['regions'], summary: '地区详情', auth: 'required', params: { id: { type: 'string', format: 'uuid' } }, response: { 200: regionSchema }, errors: [404] }) }, async (request): Promise<RegionDto> => {
    requireActor(request);
    if (!UUID.test(request.params.id)) throw new NotFoundError('地区不存在。');
    const region = await app.db.getRepository(Region).findOneBy({ id: request.params.id });
    if (!region) throw new NotFoundError('地区不存在。');
    return toRegionDto(region);
  });
}
