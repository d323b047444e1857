import {
  API_PREFIX,
  CreateRegionDto,
  MoveRegionDto,
  NearestRegionsQuery,
  REGION_NEAREST_PATH,
  REGION_SEARCH_PATH,
  RegionSearchQuery,
  UpdateRegionDto,
  type Page,
  type RegionDto,
  type RegionHitDto,
  type RegionMoveResultDto,
} from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { UUID_PATTERN, fieldError } from '../../errors';
import { validateBody, validateQuery } from '../../http/validate';
import { requireActor } from '../auth/actor';
import { auditContextOf } from '../audit/service';
import { toRegionDto } from './region.entity';
import { regionNotFound } from './lookup';
import type { RegionService } from './service';
import { docs, idParam } from '../../http/openapi';
import { regionHitListSchema, regionMoveResultSchema, regionPageSchema, regionSchema } from '../../http/response-schemas';

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
        throw fieldError('parentId', '地区编号格式不正确');
      }
      // without parentId: the roots (cities)
      const rows = await regions.listChildren(parentId);
      return { items: rows.map(toRegionDto), nextCursor: null };
    },
  );

  app.get(
    REGION_SEARCH_PATH,
    {
      schema: docs({
        tags: ['regions'],
        summary: '按名称搜索地区',
        description:
          '名称包含 `q` 的地区（可选为所属地区的网格、无网格的社区/村在前），每项带从盟市起的全称，如「巴彦淖尔市 › 临河区 › 新华街道 › 胜利社区 › 第一网格」。`limit` 默认 20。任何登录的人都可以使用。',
        auth: 'required',
        response: { 200: regionHitListSchema },
        errors: [400],
      }),
      preValidation: validateQuery(RegionSearchQuery),
    },
    async (request): Promise<{ items: RegionHitDto[] }> => {
      requireActor(request);
      const { q, limit } = request.query as RegionSearchQuery;
      return { items: await regions.search(q, limit) };
    },
  );

  app.get(
    REGION_NEAREST_PATH,
    {
      schema: docs({
        tags: ['regions'],
        summary: '离我最近的网格',
        description: '按网格中心点与所给位置（`lat`、`lng`，十进制度数）的距离，最近的 5 个网格及距离（米）。任何登录的人都可以使用（「使用我的位置」）。',
        auth: 'required',
        response: { 200: regionHitListSchema },
        errors: [400],
      }),
      preValidation: validateQuery(NearestRegionsQuery),
    },
    async (request): Promise<{ items: RegionHitDto[] }> => {
      requireActor(request);
      const q = request.query as NearestRegionsQuery;
      const lat = Number(q.lat);
      const lng = Number(q.lng);
      if (!(lat >= -90 && lat <= 90)) throw fieldError('lat', '纬度须在 -90 到 90 之间');
      if (!(lng >= -180 && lng <= 180)) throw fieldError('lng', '经度须在 -180 到 180 之间');
      return { items: await regions.nearest(lat, lng) };
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

  app.patch<{ Params: { id: string } }>(
    `${path}/:id`,
    {
      schema: docs({
        tags: ['regions'],
        summary: '修改地区：改名、设置中心点（管理员）',
        description:
          '管辖范围内的管理员。只改给出的字段：`name` 新名称（同一上级下不能重名），`center` 中心点 `{lat, lng}`（`null` 清除；「使用我的位置」按网格中心点找最近的网格）。',
        auth: 'required',
        params: idParam,
        response: { 200: regionSchema },
        errors: [400, 403, [404, '地区不存在或不在管辖范围内'], [409, '同一上级下已有同名地区']],
      }),
      preValidation: validateBody(UpdateRegionDto),
    },
    async (request): Promise<RegionDto> => {
      const actor = requireActor(request);
      if (!UUID.test(request.params.id)) throw regionNotFound();
      return toRegionDto(await regions.update(actor, request.params.id, request.body as UpdateRegionDto, auditContextOf(request)));
    },
  );

  app.post<{ Params: { id: string } }>(
    `${path}/:id/move`,
    {
      schema: docs({
        tags: ['regions'],
        summary: '把网格移到另一个社区/嘎查村（连同人员）（管理员）',
        description: [
          '网格和新社区都须在管理员的管辖范围内。网格的人员、小分队、排班随网格一起移动：此后由新社区的工作人员管辖和服务，新社区的志愿者可以接他们的需求，他们也可以接新社区的需求；',
          '网格的需求（含已结束的）此后计入新社区；已升级到社区以上的未完成需求改在新社区（或新的乡镇、旗县）等待；待派单需求的兜底责任人按新地区重新确定；网格人员退出不再覆盖他们的上级小分队。一次完成，记入审计。',
        ].join('\n'),
        auth: 'required',
        params: idParam,
        response: { 200: regionMoveResultSchema },
        errors: [
          [400, '只有网格可以移动；只能移入社区或嘎查村；已在该社区下'],
          403,
          [404, '网格或社区不存在或不在管辖范围内'],
          [409, '新社区下已有同名网格；网格中有人负责上级的小分队'],
        ],
      }),
      preValidation: validateBody(MoveRegionDto),
    },
    async (request): Promise<RegionMoveResultDto> => {
      const actor = requireActor(request);
      if (!UUID.test(request.params.id)) throw regionNotFound();
      const moved = await regions.move(actor, request.params.id, (request.body as MoveRegionDto).parentId, auditContextOf(request));
      return { ...moved, region: toRegionDto(moved.region), from: toRegionDto(moved.from), to: toRegionDto(moved.to) };
    },
  );
}
