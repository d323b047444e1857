import {
  MISSED_VISITS_PATH,
  MY_VISITS_PATH,
  RecordVisitDto,
  SetVisitPlanDto,
  VISITS_PATH,
  VISIT_COVERAGE_PATH,
  VISIT_COVERAGE_XLSX_PATH,
  VISIT_PLANS_PATH,
  VisitCheckInDto,
  VisitCoverageQuery,
  VisitListQuery,
  VisitPlanQuery,
} from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { docs, idParam } from '../../http/openapi';
import { validateBody, validateQuery } from '../../http/validate';
import { auditContextOf } from '../audit/service';
import { requireActor } from '../auth/actor';
import { missedVisitsSchema, visitCoverageSchema, visitListSchema, visitPlanSchema, visitSchema } from './schemas';
import type { VisitService } from './service';

/** `attachment` with the Chinese name for browsers (RFC 5987) and an ASCII one for the rest. */
function disposition(filename: string): string {
  return `attachment; filename="visit-coverage.xlsx"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/** 走访 over HTTP (see service.ts): plans, my visits, one visit's check-in and record, missed visits, coverage. */
export default async function visitRoutes(app: FastifyInstance, { visits }: { visits: VisitService }): Promise<void> {
  app.get(
    VISIT_PLANS_PATH,
    {
      schema: docs({
        tags: ['visits'],
        summary: '走访计划（一个地区生效的频次）',
        description:
          '工作人员，管辖范围内的地区：每个台账标签的走访频次（每周/每月/每季度），本级设置、沿用上级或默认（独居、高龄、重病、残疾每周；低保每月；其余每季度）。',
        auth: 'required',
        response: { 200: visitPlanSchema },
        errors: [403, [404, '地区不存在或不在管辖范围内']],
      }),
      preValidation: validateQuery(VisitPlanQuery),
    },
    async (request) => visits.plan(requireActor(request), (request.query as VisitPlanQuery).regionId),
  );

  app.put(
    VISIT_PLANS_PATH,
    {
      schema: docs({
        tags: ['visits'],
        summary: '设置走访计划',
        description:
          '管理员，为管辖范围内的地区设置台账标签的走访频次（`frequency: null`：改回沿用上级）。下级地区未设置的沿用最近上级的设置；一户有多个标签时取最频繁的。记入审计记录；下一次生成走访任务时生效。',
        auth: 'required',
        response: { 200: visitPlanSchema },
        errors: [403, [404, '地区不存在或不在管辖范围内']],
      }),
      preValidation: validateBody(SetVisitPlanDto),
    },
    async (request) => visits.setPlan(requireActor(request), request.body as SetVisitPlanDto, auditContextOf(request)),
  );

  app.get(
    MY_VISITS_PATH,
    {
      schema: docs({
        tags: ['visits'],
        summary: '我的走访',
        description: '包联干部或网格员：派给本人的走访任务——逾期未走访的在前，然后是本周期待走访的，以及本周期已走访的。',
        auth: 'required',
        response: { 200: visitListSchema },
      }),
    },
    async (request) => visits.mine(requireActor(request)),
  );

  app.get(
    MISSED_VISITS_PATH,
    {
      schema: docs({
        tags: ['visits'],
        summary: '逾期走访（看板提示）',
        description: '工作人员：管辖范围内（或其中一个地区）已过截止时间仍未走访的任务数，及逾期最久的 50 条。',
        auth: 'required',
        response: { 200: missedVisitsSchema },
        errors: [403, [404, '地区不存在或不在管辖范围内']],
      }),
      preValidation: validateQuery(VisitListQuery),
    },
    async (request) => visits.missed(requireActor(request), (request.query as VisitListQuery).regionId),
  );

  app.get(
    VISIT_COVERAGE_PATH,
    {
      schema: docs({
        tags: ['visits', 'stats'],
        summary: '走访覆盖率（按地区）',
        description:
          '工作人员，管辖范围内：时段内（按截止时间，默认最近 90 天，截至现在）到期的走访任务，本地区合计与每个直属下级地区一行：台账户数、应走访、按时走访、逾期补访、未走访、按时走访率。',
        auth: 'required',
        response: { 200: visitCoverageSchema },
        errors: [403, [404, '地区不存在或不在管辖范围内']],
      }),
      preValidation: validateQuery(VisitCoverageQuery),
    },
    async (request) => visits.coverage(requireActor(request), request.query as VisitCoverageQuery),
  );

  app.get(
    VISIT_COVERAGE_XLSX_PATH,
    {
      schema: docs({
        tags: ['visits', 'stats'],
        summary: '导出走访覆盖率（Excel）',
        description: '与 GET /visits/coverage 相同的数据，Excel 工作簿：每个下级地区一行加合计，第二张表「说明」写明地区、时段、口径、导出人。',
        auth: 'required',
        response: { 200: { type: 'string', format: 'binary', description: '走访覆盖率文件' } },
        errors: [403, [404, '地区不存在或不在管辖范围内']],
      }),
      preValidation: validateQuery(VisitCoverageQuery),
    },
    async (request, reply) => {
      const file = await visits.coverageWorkbook(requireActor(request), request.query as VisitCoverageQuery);
      return reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', disposition(file.filename))
        .header('cache-control', 'no-store')
        .send(file.body);
    },
  );

  app.get<{ Params: { id: string } }>(
    `${VISITS_PATH}/:id`,
    {
      schema: docs({
        tags: ['visits'],
        summary: '一次走访',
        description: '走访任务的负责人，或管辖范围内的工作人员。',
        auth: 'required',
        params: idParam,
        response: { 200: visitSchema },
        errors: [404],
      }),
    },
    async (request) => visits.get(requireActor(request), request.params.id),
  );

  app.post<{ Params: { id: string } }>(
    `${VISITS_PATH}/:id/check-in`,
    {
      schema: docs({
        tags: ['visits'],
        summary: '走访签到（在居民家门口）',
        description: `走访任务的负责人，或管辖范围内的工作人员。记录与居民住址的距离；距离超过 500 米或没有位置也可以签到，但会标记（与需求签到规则相同）。已签到或已记录：409。`,
        auth: 'required',
        params: idParam,
        response: { 200: visitSchema },
        errors: [404, [409, '已签到或已记录']],
      }),
      preValidation: validateBody(VisitCheckInDto),
    },
    async (request) => visits.checkIn(requireActor(request), request.params.id, request.body as VisitCheckInDto),
  );

  app.post<{ Params: { id: string } }>(
    `${VISITS_PATH}/:id/record`,
    {
      schema: docs({
        tags: ['visits'],
        summary: '填写走访记录（发现需求一步转为代下单）',
        description:
          '签到之后：居民状况（良好/需要关注/情况紧急）、情况说明；发现的需求（`need`：服务项目、描述、紧急程度）在同一事务里以居民的名义下单（渠道「上门」，时间线注明来自走访），与普通需求一样进入派单看板。需求下单失败（例如该居民已有同一服务的需求在办理）时整条记录都不保存，错误写明字段（`need.categoryCode`）。',
        auth: 'required',
        params: idParam,
        response: { 200: visitSchema },
        errors: [404, [409, '尚未签到、已记录，或该居民已有同一服务的需求在办理']],
      }),
      preValidation: validateBody(RecordVisitDto),
    },
    async (request) => visits.record(requireActor(request), request.params.id, request.body as RecordVisitDto),
  );
}
