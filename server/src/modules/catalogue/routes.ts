import { CreateServiceCategoryDto, SERVICE_CATEGORIES_PATH, UpdateServiceCategoryDto, type ServiceCategoryDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { docs } from '../../http/openapi';
import { serviceCategoryListSchema, serviceCategorySchema } from '../../http/response-schemas';
import { validateBody } from '../../http/validate';
import { requireActor } from '../auth/actor';
import { auditContextOf } from '../audit/service';
import type { CatalogueService } from './service';
import { toServiceCategoryDto } from './service-category.entity';

/** The service catalogue (服务清单) over HTTP: anyone reads it, admins edit it (see service.ts). */
export default async function catalogueRoutes(app: FastifyInstance, { catalogue }: { catalogue: CatalogueService }): Promise<void> {
  const listDocs = docs({
    tags: ['catalogue'],
    summary: '服务清单',
    description: '任何人都可以查看（登录前首页就显示服务磁贴），按 `sortOrder` 排序；默认只列启用的服务。',
    auth: 'optional',
    query: { all: { type: 'string', enum: ['true'], description: '`true`：连同已停用的服务一起列出（仅管理员；其他人忽略）' } },
    response: { 200: serviceCategoryListSchema },
  });
  app.get<{ Querystring: { all?: string } }>(SERVICE_CATEGORIES_PATH, { schema: listDocs }, async (request): Promise<{ items: ServiceCategoryDto[] }> => {
    const rows = await catalogue.list(request.actor, { all: request.query.all === 'true' });
    return { items: rows.map(toServiceCategoryDto) };
  });

  const createDocs = docs({
    tags: ['catalogue'],
    summary: '新增服务类别（管理员）',
    description: '紧急单的接单时限不能长于普通单（否则 400，字段 `acceptMinutesUrgent`）。',
    auth: 'required',
    response: { 201: serviceCategorySchema },
    errors: [403, [409, '编码或名称已被使用']],
  });
  app.post(SERVICE_CATEGORIES_PATH, { schema: createDocs, preValidation: validateBody(CreateServiceCategoryDto) }, async (request, reply) => {
    const created = await catalogue.create(requireActor(request), request.body as CreateServiceCategoryDto, auditContextOf(request));
    return reply.code(201).send(toServiceCategoryDto(created));
  });

  app.patch<{ Params: { code: string } }>(
    `${SERVICE_CATEGORIES_PATH}/:code`,
    {
      schema: docs({
        tags: ['catalogue'],
        summary: '修改服务类别（管理员）',
        description: '只改请求中给出的字段；编码不能改（订单引用它）。停用：`{"active": false}`。',
        auth: 'required',
        params: { code: { type: 'string', description: '服务类别编码', example: 'meal_delivery' } },
        response: { 200: serviceCategorySchema },
        errors: [403, [404, '没有这个服务类别'], [409, '名称已被使用']],
      }),
      preValidation: validateBody(UpdateServiceCategoryDto),
    },
    async (request) => {
      const updated = await catalogue.update(requireActor(request), request.params.code, request.body as UpdateServiceCategoryDto, auditContextOf(request));
      return toServiceCategoryDto(updated);
    },
  );
}
