import {
  CreateServiceCategoryDto,
  SERVICE_CATEGORIES_PATH,
  UpdateServiceCategoryDto,
  type ServiceCategoryDto,
} from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { ConflictError, NotFoundError, ValidationFailedError } from '../../errors';
import { docs } from '../../http/openapi';
import { serviceCategoryListSchema, serviceCategorySchema } from '../../http/response-schemas';
import { validateBody } from '../../http/validate';
import { requireActor, requireRole } from '../auth/plugin';
import { ServiceCategory, toServiceCategoryDto } from './service-category.entity';

function checkDeadlines(normal: number, urgent: number): void {
  if (urgent > normal) {
    throw new ValidationFailedError('请求内容有误：acceptMinutesUrgent 紧急单的接单时限不能长于普通单。', [
      { field: 'acceptMinutesUrgent', message: '紧急单的接单时限不能长于普通单' },
    ]);
  }
}

/**
 * The service catalogue (服务清单). Anyone may read it (the home screen's tiles show before login);
 * only admins add or edit. Deactivated services stay listed for admins (`?all=true`) so old orders keep a name.
 */
export default async function catalogueRoutes(app: FastifyInstance): Promise<void> {
  const repo = () => app.db.getRepository(ServiceCategory);

  const listDocs = docs({
    tags: ['catalogue'],
    summary: '服务清单',
    description: '任何人都可以查看（登录前首页就显示服务磁贴），按 `sortOrder` 排序；默认只列启用的服务。',
    auth: 'optional',
    query: { all: { type: 'string', enum: ['true'], description: '`true`：连同已停用的服务一起列出（仅管理员；其他人忽略）' } },
    response: { 200: serviceCategoryListSchema },
  });
  app.get<{ Querystring: { all?: string } }>(SERVICE_CATEGORIES_PATH, { schema: listDocs }, async (request): Promise<{ items: ServiceCategoryDto[] }> => {
    const all = request.query.all === 'true' && request.actor?.roles.includes('admin') === true;
    const rows = await repo().find({ where: all ? {} : { active: true }, order: { sortOrder: 'ASC', code: 'ASC' } });
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
    requireRole(requireActor(request), ['admin'], '只有管理员可以编辑服务清单。');
    const body = request.body as CreateServiceCategoryDto;
    checkDeadlines(body.acceptMinutesNormal, body.acceptMinutesUrgent);
    const inserted = await app.db.query<Array<{ code: string }>>(
      `INSERT INTO service_category (code, name, color, icon, accept_minutes_normal, accept_minutes_urgent, multi_person, sort_order)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING code`,
      [body.code, body.name, body.color, body.icon, body.acceptMinutesNormal, body.acceptMinutesUrgent, body.multiPerson ?? false, body.sortOrder ?? 0],
    );
    if (inserted.length === 0) throw new ConflictError(`编码或名称已被使用：${body.code} / ${body.name}。`);
    const created = await repo().findOneByOrFail({ code: body.code });
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
      requireRole(requireActor(request), ['admin'], '只有管理员可以编辑服务清单。');
      const patch = request.body as UpdateServiceCategoryDto;
      return app.db.transaction(async (m) => {
        const r = m.getRepository(ServiceCategory);
        const current = await r.findOne({ where: { code: request.params.code }, lock: { mode: 'pessimistic_write' } });
        if (!current) throw new NotFoundError('没有这个服务类别。');
        const next = { ...current, ...patch };
        checkDeadlines(next.acceptMinutesNormal, next.acceptMinutesUrgent);
        if (patch.name !== undefined && patch.name !== current.name && (await r.existsBy({ name: patch.name }))) {
          throw new ConflictError(`名称已被使用：${patch.name}。`);
        }
        if (Object.keys(patch).length > 0) await r.update({ code: current.code }, { ...patch });
        return toServiceCategoryDto(await r.findOneByOrFail({ code: current.code }));
      });
    },
  );
}
