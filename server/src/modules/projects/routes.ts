import {
  API_PREFIX,
  ConfirmAttendanceDto,
  CreateProjectDto,
  ListPartyRegistrationsQuery,
  ListProjectsQuery,
  MY_PARTY_REGISTRATION_PATH,
  MY_PROJECTS_PATH,
  PARTY_REGISTRATIONS_PATH,
  PROJECTS_PATH,
  RegisterPartyMemberDto,
  THREE_LISTS_PATH,
  ThreeListsQuery,
  UpdateProjectDto,
} from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { docs, idParam } from '../../http/openapi';
import { validateBody, validateQuery } from '../../http/validate';
import { auditContextOf } from '../audit/service';
import { requireActor } from '../auth/actor';
import {
  myPartyRegistrationSchema,
  myProjectsSchema,
  partyRegistrationPageSchema,
  partyRegistrationSchema,
  projectPageSchema,
  projectSchema,
  threeListsSchema,
} from './schemas';
import type { ProjectService } from './service';

/** 项目清单, 认领 and 双报到 over HTTP (the rules: service.ts). */
export default async function projectRoutes(app: FastifyInstance, { projects }: { projects: ProjectService }): Promise<void> {
  // ---------- 双报到 ----------

  app.get(
    MY_PARTY_REGISTRATION_PATH,
    {
      schema: docs({
        tags: ['projects'],
        summary: '我的双报到',
        description: '本人当前的「双报到」（居住的社区/村、工作单位），没有时为 null。',
        auth: 'required',
        response: { 200: myPartyRegistrationSchema },
      }),
    },
    async (request) => ({ registration: await projects.myRegistration(requireActor(request)) }),
  );

  app.put(
    MY_PARTY_REGISTRATION_PATH,
    {
      schema: docs({
        tags: ['projects'],
        summary: '在职党员双报到（登记或修改）',
        description:
          '在职党员到居住的社区/村报到：社区/村（须是社区/村一级）、工作单位、单位党组织（可不填）。每人同时只有一份，再次提交即修改。登记后本人记为党员、在职党员。记入审计记录。',
        auth: 'required',
        response: { 200: partyRegistrationSchema },
      }),
      preValidation: validateBody(RegisterPartyMemberDto),
    },
    async (request) => projects.registerSelf(requireActor(request), request.body as RegisterPartyMemberDto, auditContextOf(request)),
  );

  app.delete(
    MY_PARTY_REGISTRATION_PATH,
    {
      schema: docs({
        tags: ['projects'],
        summary: '结束我的双报到',
        description: '已认领的项目不受影响。记入审计记录。',
        auth: 'required',
        response: { 204: null },
        errors: [[404, '还没有双报到']],
      }),
    },
    async (request, reply) => {
      await projects.endSelf(requireActor(request), auditContextOf(request));
      return reply.code(204).send();
    },
  );

  app.put<{ Params: { id: string } }>(
    `${API_PREFIX}/users/:id/party-registration`,
    {
      schema: docs({
        tags: ['projects'],
        summary: '为他人登记双报到（工作人员）',
        description: '网格员、调度员、管理员：人员或社区/村须在管辖范围内，社区/村须在管辖范围内。记入审计记录。',
        auth: 'required',
        params: idParam,
        response: { 200: partyRegistrationSchema },
        errors: [403, 404],
      }),
      preValidation: validateBody(RegisterPartyMemberDto),
    },
    async (request) => projects.registerFor(requireActor(request), request.params.id, request.body as RegisterPartyMemberDto, auditContextOf(request)),
  );

  app.get(
    PARTY_REGISTRATIONS_PATH,
    {
      schema: docs({
        tags: ['projects'],
        summary: '报到党员（管辖范围内）',
        description: '工作人员：到管辖范围内（或 `regionId` 之下）社区/村报到的在职党员，新的在前，游标分页。网格员看到本网格所在社区/村的。',
        auth: 'required',
        response: { 200: partyRegistrationPageSchema },
        errors: [403, 404],
      }),
      preValidation: validateQuery(ListPartyRegistrationsQuery),
    },
    async (request) => projects.listRegistrations(requireActor(request), request.query as ListPartyRegistrationsQuery),
  );

  // ---------- projects ----------

  app.get(
    THREE_LISTS_PATH,
    {
      schema: docs({
        tags: ['projects'],
        summary: '三张清单（需求清单 · 资源清单 · 项目清单）',
        description: '工作人员：一个社区/村正在办理的居民需求（按服务分类）、可以帮忙的人（志愿者、网格员、小分队、党员、报到党员）与项目。',
        auth: 'required',
        response: { 200: threeListsSchema },
        errors: [403, 404],
      }),
      preValidation: validateQuery(ThreeListsQuery),
    },
    async (request) => projects.threeLists(requireActor(request), (request.query as ThreeListsQuery).regionId),
  );

  app.get(
    MY_PROJECTS_PATH,
    {
      schema: docs({
        tags: ['projects', 'me'],
        summary: '社区项目（可认领的）',
        description: '本人双报到的社区/村、本人所在的社区/村正在招募和已结束的项目，含本人的认领与可做的操作（`actions`）。',
        auth: 'required',
        response: { 200: myProjectsSchema },
      }),
    },
    async (request) => projects.mine(requireActor(request)),
  );

  app.get(
    PROJECTS_PATH,
    {
      schema: docs({
        tags: ['projects'],
        summary: '项目清单（管辖范围内）',
        description:
          '调度员、管理员：管辖范围内（或 `regionId` 之下）的项目，含草稿；网格员：本网格所在社区/村招募中和已结束的项目。`orderId`：这个居民需求转成的项目。',
        auth: 'required',
        response: { 200: projectPageSchema },
        errors: [403, 404],
      }),
      preValidation: validateQuery(ListProjectsQuery),
    },
    async (request) => projects.list(requireActor(request), request.query as ListProjectsQuery),
  );

  app.post(
    PROJECTS_PATH,
    {
      schema: docs({
        tags: ['projects'],
        summary: '发布项目（可由居民需求转来）',
        description:
          '社区/村的调度员、管理员（管辖范围内）。`status` 为 draft（默认）或 published。`sourceOrderIds`：转为项目的居民需求（本社区/村、还没开始服务），需求随之关闭，时间线写明「已转为社区项目」。记入审计记录。',
        auth: 'required',
        response: { 201: projectSchema },
        errors: [403],
      }),
      preValidation: validateBody(CreateProjectDto),
    },
    async (request, reply) => reply.code(201).send(await projects.create(requireActor(request), request.body as CreateProjectDto, auditContextOf(request))),
  );

  app.get<{ Params: { id: string } }>(
    `${PROJECTS_PATH}/:id`,
    {
      schema: docs({
        tags: ['projects'],
        summary: '一个项目',
        description: '组织者（管辖范围内的调度员、管理员）看到全部认领与电话；报到党员、本社区/村的人看到招募中和已结束的项目。',
        auth: 'required',
        params: idParam,
        response: { 200: projectSchema },
        errors: [404],
      }),
    },
    async (request) => projects.get(requireActor(request), request.params.id),
  );

  app.patch<{ Params: { id: string } }>(
    `${PROJECTS_PATH}/:id`,
    {
      schema: docs({
        tags: ['projects'],
        summary: '修改项目（发布、结束、取消）',
        description: '组织者。名额不能少于已认领人数；状态：草稿 → 招募中 → 已结束（可重新招募），草稿或招募中可取消。记入审计记录。',
        auth: 'required',
        params: idParam,
        response: { 200: projectSchema },
        errors: [403, 404, [409, '项目已取消']],
      }),
      preValidation: validateBody(UpdateProjectDto),
    },
    async (request) => projects.update(requireActor(request), request.params.id, request.body as UpdateProjectDto, auditContextOf(request)),
  );

  app.post<{ Params: { id: string } }>(
    `${PROJECTS_PATH}/:id/claim`,
    {
      schema: docs({
        tags: ['projects'],
        summary: '认领项目',
        description: '双报到到该社区/村的在职党员、该社区/村的志愿者和网格员：项目招募中、还没开始、有名额；每人一份。并发认领也不会超过名额。',
        auth: 'required',
        params: idParam,
        response: { 200: projectSchema },
        errors: [403, 404, [409, '名额已满、已认领、项目不在招募中或已开始']],
      }),
    },
    async (request) => projects.claim(requireActor(request), request.params.id),
  );

  app.post<{ Params: { id: string } }>(
    `${PROJECTS_PATH}/:id/claim/cancel`,
    {
      schema: docs({
        tags: ['projects'],
        summary: '取消我的认领',
        description: '项目开始前可以取消，名额随即空出。',
        auth: 'required',
        params: idParam,
        response: { 200: projectSchema },
        errors: [404, [409, '没有可取消的认领，或项目已开始']],
      }),
    },
    async (request) => projects.cancelClaim(requireActor(request), request.params.id),
  );

  app.post<{ Params: { id: string; claimId: string } }>(
    `${PROJECTS_PATH}/:id/claims/:claimId/attendance`,
    {
      schema: docs({
        tags: ['projects'],
        summary: '确认出勤',
        description: '组织者：已参加（`hours` 默认项目的时长，计入志愿服务时长；按项目的积分规则算出积分记在认领上）或未到。每个认领确认一次。记入审计记录。',
        auth: 'required',
        params: { ...idParam, claimId: { type: 'string', format: 'uuid' } },
        response: { 200: projectSchema },
        errors: [403, 404, [409, '已确认过，或认领已取消']],
      }),
      preValidation: validateBody(ConfirmAttendanceDto),
    },
    async (request) =>
      projects.confirm(requireActor(request), request.params.id, request.params.claimId, request.body as ConfirmAttendanceDto, auditContextOf(request)),
  );
}
