import { API_PREFIX, AddSquadMemberDto, CreateSquadDto, UpdateSquadDto, type Page, type SquadDto, type UserDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { UUID_PATTERN, fieldError } from '../../errors';
import { validateBody } from '../../http/validate';
import { requireActor } from '../auth/actor';
import { auditContextOf } from '../audit/service';
import type { SquadService } from './service';
import { docs, idParam } from '../../http/openapi';
import { squadDetailSchema, squadPageSchema, squadSchema } from '../../http/response-schemas';

const UUID = UUID_PATTERN;

/** Squads (小分队) over HTTP: who may set them up and manage their members is the service's (service.ts). */
export default async function squadRoutes(app: FastifyInstance, { squads }: { squads: SquadService }): Promise<void> {
  const path = `${API_PREFIX}/squads`;

  app.post(
    path,
    {
      schema: docs({
        tags: ['squads'],
        summary: '组建小分队',
        description: '管理员、调度员在管辖范围内组建；负责人须是该地区的志愿者或网格员，自动成为成员。',
        auth: 'required',
        response: { 201: squadSchema },
        errors: [403, [404, '地区不在管辖范围内'], [409, '同一地区已有同名小分队']],
      }),
      preValidation: validateBody(CreateSquadDto),
    },
    async (request, reply) => {
      const dto = await squads.create(requireActor(request), request.body as CreateSquadDto, auditContextOf(request));
      return reply.code(201).send(dto);
    },
  );

  app.get<{ Querystring: { regionId?: string } }>(
    path,
    {
      schema: docs({
        tags: ['squads'],
        summary: '小分队列表',
        description: '工作人员看到管辖范围内的小分队；每个人都看到自己所在的小分队。',
        auth: 'required',
        query: { regionId: { type: 'string', format: 'uuid' } },
        response: { 200: squadPageSchema },
        errors: [403, 404],
      }),
    },
    async (request): Promise<Page<SquadDto>> => {
      const actor = requireActor(request);
      const { regionId } = request.query;
      if (regionId !== undefined && !UUID.test(regionId)) throw fieldError('regionId', '地区编号格式不正确');
      return squads.list(actor, { regionId });
    },
  );

  app.get<{ Params: { id: string } }>(
    `${path}/:id`,
    {
      schema: docs({
        tags: ['squads'],
        summary: '小分队详情与成员',
        auth: 'required',
        params: idParam,
        response: { 200: squadDetailSchema },
        errors: [404],
      }),
    },
    async (request): Promise<SquadDto & { members: UserDto[] }> => {
      return squads.get(requireActor(request), request.params.id);
    },
  );

  app.patch<{ Params: { id: string } }>(
    `${path}/:id`,
    {
      schema: docs({
        tags: ['squads'],
        summary: '修改小分队（含更换负责人）',
        description: '有管辖权的管理员、调度员。新负责人须已是成员。',
        auth: 'required',
        params: idParam,
        response: { 200: squadSchema },
        errors: [403, 404, [409, '同一地区已有同名小分队']],
      }),
      preValidation: validateBody(UpdateSquadDto),
    },
    async (request) => {
      return squads.update(requireActor(request), request.params.id, request.body as UpdateSquadDto, auditContextOf(request));
    },
  );

  app.post<{ Params: { id: string } }>(
    `${path}/:id/members`,
    {
      schema: docs({
        tags: ['squads'],
        summary: '加入成员',
        description: '有管辖权的管理员、调度员，或小分队负责人。',
        auth: 'required',
        params: idParam,
        response: { 201: squadSchema },
        errors: [403, 404, [409, '该人员已在小分队中']],
      }),
      preValidation: validateBody(AddSquadMemberDto),
    },
    async (request, reply) => {
      const dto = await squads.addMember(requireActor(request), request.params.id, request.body as AddSquadMemberDto, auditContextOf(request));
      return reply.code(201).send(dto);
    },
  );

  app.delete<{ Params: { id: string; userId: string } }>(
    `${path}/:id/members/:userId`,
    {
      schema: docs({
        tags: ['squads'],
        summary: '移出成员',
        description: '负责人不能移出（409）。',
        auth: 'required',
        params: { id: { type: 'string', format: 'uuid' }, userId: { type: 'string', format: 'uuid' } },
        response: { 204: null },
        errors: [403, 404, [409, '负责人不能移出小分队']],
      }),
    },
    async (request, reply) => {
      await squads.removeMember(requireActor(request), request.params.id, request.params.userId, auditContextOf(request));
      return reply.code(204).send();
    },
  );
}
