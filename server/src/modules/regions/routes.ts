import { API_PREFIX, CreateRegionDto, type Page, type RegionDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { ValidationFailedError, UUID_PATTERN } from '../../errors';
import { validateBody } from '../../http/validate';
import { requireActor } from '../auth/actor';
import { auditContextOf } from '../audit/service';
import { toRegionDto } from './region.entity';
import { regionNotFound } from './lookup';
import type { RegionService } from './service';
import { docs, idParam } from '../../http/openapi';
import { regionPageSchema, regionSchema } from '../../http/response-schemas';

const UUID = UUID_PATTERN;

/** The place tree over HTTP (who may read and change it: see service.ts). */
export default async function regionRoutes(app: FastifyInstance, { regions }: { regions: RegionService }): Promise<void> {
  const path = `${API_PREFIX}/regions`;

  app.post(
    path,
    {
      schema: docs({
        tags: ['regions'],
        summary: '新增地区（管理员）',
        description: '新地区须比上级低一级（盟市 → 旗县 → 乡镇/街道 → 社区/村 → 网格）；只有不限地区的管理员可以新增盟市。上级不在管辖范围内：404。',
        auth: 'required',
        response: { 201: regionSchema },
        errors: [403, [404, '上级地区不存在或不在管辖范围内'], [409, '同一上级下已有同名地区']],
      }),
      preValidation: validateBody(CreateRegionDto),
    },
    async (request, reply) => {
      const created = await regions.create(requireActor(request), request.body as CreateRegionDto, auditContextOf(request));
      return reply.code(201).send(toRegionDto(created));
    },
  );

  app.get<{ Querystring: { parentId?: string } }>(
    path,
    {
      schema: docs({
        tags: ['regions'],
        summary: '下级地区列表',
        description: '不带 `parentId` 时列出各盟市。地名公开，任何登录的人都可以查看。',
        auth: 'required',
        query: { parentId: { type: 'string', format: 'uuid' } },
        response: { 200: regionPageSchema },
        errors: [400, 404],
      }),
    },
    async (request): Promise<Page<RegionDto>> => {
      requireActor(request);
      const { parentId } = request.query;
      if (parentId !== undefined && !UUID.test(parentId)) {
        throw new ValidationFailedError('请求内容有误：parentId 地区编号格式不正确。', [{ field: 'parentId', message: '地区编号格式不正确' }]);
      }
      // without parentId: the roots (cities)
      const rows = await regions.listChildren(parentId);
      return { items: rows.map(toRegionDto), nextCursor: null };
    },
  );

  app.get<{ Params: { id: string } }>(
    `${path}/:id`,
    {
      schema: docs({
        tags: ['regions'],
        summary: '地区详情',
        auth: 'required',
        params: idParam,
        response: { 200: regionSchema },
        errors: [404],
      }),
    },
    async (request): Promise<RegionDto> => {
      requireActor(request);
      if (!UUID.test(request.params.id)) throw regionNotFound();
      return toRegionDto(await regions.get(request.params.id));
    },
  );
}
