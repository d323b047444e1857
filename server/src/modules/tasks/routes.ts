import { API_PREFIX, MyTasksQuery, TASKS_PATH, type OrderDto, type Page, type ServiceRecordDto, type TaskPoolDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { docs, idParam } from '../../http/openapi';
import { validateQuery } from '../../http/validate';
import { requireActor } from '../auth/actor';
import { orderPageSchema, serviceRecordSchema, taskPoolSchema } from '../orders/schemas';
import type { TaskService } from './service';

/** The volunteer's side: the task hall (任务大厅) and their own tasks. */
export default async function taskRoutes(app: FastifyInstance, { tasks }: { tasks: TaskService }): Promise<void> {
  app.get(
    `${TASKS_PATH}/pool`,
    {
      schema: docs({
        tags: ['tasks'],
        summary: '任务大厅：我可以接的需求（由近到远）',
        description:
          '待接单（以及服务中但缺人补位的多人需求：有人被撤回或未到场）、服务类别在我的技能内、已升级到覆盖我所在地的级别（网格 → 嘎查村/社区 → 苏木乡镇 → 旗县）的需求，最近的在前，附距离；居民联系方式打码。不在岗时也能浏览，`availableNow` 为 false 时不能接单。',
        auth: 'required',
        response: { 200: taskPoolSchema },
        errors: [[403, '只有志愿者和网格员有任务大厅']],
      }),
    },
    async (request): Promise<TaskPoolDto> => tasks.pool(requireActor(request)),
  );

  app.get(
    `${TASKS_PATH}/mine`,
    {
      schema: docs({
        tags: ['tasks'],
        summary: '我的任务',
        description: '派给我（或我所在小分队）的、我接过的需求，最新在前；可按状态筛选。我接下的需求中居民联系方式完整显示。',
        auth: 'required',
        response: { 200: orderPageSchema },
        errors: [[403, '只有志愿者和网格员有任务']],
      }),
      preValidation: validateQuery(MyTasksQuery),
    },
    async (request): Promise<Page<OrderDto>> => tasks.mine(requireActor(request), request.query as MyTasksQuery),
  );

  app.get<{ Params: { id: string } }>(
    `${API_PREFIX}/users/:id/service-record`,
    {
      schema: docs({
        tags: ['tasks'],
        summary: '志愿者的服务记录（可靠性）',
        description: '本人或有管辖权的工作人员：接单、完成、签到前退单、未到场、拒绝派单的次数，服务时长，平均评分，可靠性（完成 ÷（完成 + 退单 + 未到场））。',
        auth: 'required',
        params: idParam,
        response: { 200: serviceRecordSchema },
        errors: [404],
      }),
    },
    async (request): Promise<ServiceRecordDto> => tasks.record(requireActor(request), request.params.id),
  );
}
