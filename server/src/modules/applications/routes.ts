import {
  APPLICATIONS_PATH,
  CreateApplicationDto,
  DeclineApplicationDto,
  ListApplicationsQuery,
  MY_APPLICATIONS_PATH,
  type ApplicationDto,
  type Page,
} from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { docs, idParam } from '../../http/openapi';
import { validateBody, validateQuery } from '../../http/validate';
import { auditContextOf } from '../audit/service';
import { requireActor } from '../auth/actor';
import { applicationPageSchema, applicationSchema } from './schemas';
import type { ApplicationService } from './service';

/** 我要当志愿者 and 迁移申请 over HTTP: the person's own side under /me, the staff's under /applications (see service.ts). */
export default async function applicationRoutes(app: FastifyInstance, { applications }: { applications: ApplicationService }): Promise<void> {
  app.post(
    MY_APPLICATIONS_PATH,
    {
      schema: docs({
        tags: ['me', 'applications'],
        summary: '提交申请（我要当志愿者 / 迁移所属网格）',
        description:
          '`kind: volunteer`：技能（服务清单编码，至少一项）、服务区域（本社区/村之内，默认本人网格）、可服务时间（每周时段）、备注。`kind: move`：要迁入的网格、新地址、可选位置、原因。由所在地的网格员或调度员审核。须已有所属网格（409）；每类同时只能有一份待审核的申请（409）。记入审计记录。',
        auth: 'required',
        response: { 201: applicationSchema },
        errors: [[409, '还没有所属网格、已是志愿者，或已有待审核的同类申请']],
      }),
      preValidation: validateBody(CreateApplicationDto),
    },
    async (request, reply) => {
      const dto = await applications.apply(requireActor(request), request.body as CreateApplicationDto, auditContextOf(request));
      return reply.code(201).send(dto);
    },
  );

  app.get(
    MY_APPLICATIONS_PATH,
    {
      schema: docs({
        tags: ['me', 'applications'],
        summary: '我的申请',
        description: '本人提交过的申请，新的在前，含审核结果与不通过的原因。',
        auth: 'required',
        response: { 200: applicationPageSchema },
      }),
    },
    async (request): Promise<Page<ApplicationDto>> => ({ items: await applications.mine(requireActor(request)), nextCursor: null }),
  );

  app.post<{ Params: { id: string } }>(
    `${MY_APPLICATIONS_PATH}/:id/withdraw`,
    {
      schema: docs({
        tags: ['me', 'applications'],
        summary: '撤回我的申请',
        description: '只能撤回本人待审核的申请；别人的申请 404，已审核的 409。记入审计记录。',
        auth: 'required',
        params: idParam,
        response: { 200: applicationSchema },
        errors: [404, [409, '该申请已处理过']],
      }),
    },
    async (request) => applications.withdraw(requireActor(request), request.params.id, auditContextOf(request)),
  );

  app.get(
    APPLICATIONS_PATH,
    {
      schema: docs({
        tags: ['applications'],
        summary: '待审核的申请（管辖范围内）',
        description:
          '网格员、调度员、管理员：申请人所在地（迁移申请也包括要迁入的网格）在自己管辖范围内的申请，新的在前，游标分页；可按 `status`、`kind` 筛选。',
        auth: 'required',
        response: { 200: applicationPageSchema },
        errors: [403],
      }),
      preValidation: validateQuery(ListApplicationsQuery),
    },
    async (request): Promise<Page<ApplicationDto>> => applications.list(requireActor(request), request.query as ListApplicationsQuery),
  );

  app.post<{ Params: { id: string } }>(
    `${APPLICATIONS_PATH}/:id/approve`,
    {
      schema: docs({
        tags: ['applications'],
        summary: '批准申请',
        description:
          '志愿者申请：加上志愿者角色，设置申请中的技能与值班表；迁移申请：改为新的网格与地址。申请人须在管辖范围内（否则 404）且角色低于自己（403）；不能审核自己的申请（403）；只能审核一次（409）。记入审计记录。',
        auth: 'required',
        params: idParam,
        response: { 200: applicationSchema },
        errors: [403, 404, [409, '该申请已处理过']],
      }),
    },
    async (request) => applications.approve(requireActor(request), request.params.id, auditContextOf(request)),
  );

  app.post<{ Params: { id: string } }>(
    `${APPLICATIONS_PATH}/:id/decline`,
    {
      schema: docs({
        tags: ['applications'],
        summary: '不通过申请（须写原因）',
        description: '原因会显示给申请人。管辖范围外 404；不能审核自己的申请（403）；只能审核一次（409）。记入审计记录。',
        auth: 'required',
        params: idParam,
        response: { 200: applicationSchema },
        errors: [403, 404, [409, '该申请已处理过']],
      }),
      preValidation: validateBody(DeclineApplicationDto),
    },
    async (request) => {
      const { reason } = request.body as DeclineApplicationDto;
      return applications.decline(requireActor(request), request.params.id, reason, auditContextOf(request));
    },
  );
}
