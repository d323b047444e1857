import { API_PREFIX, MyTasksQuery, TASKS_PATH, isAvailableNow, type OrderDto, type Page, type ServiceRecordDto, type TaskPoolDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { ForbiddenError, NotFoundError, UUID_PATTERN } from '../../errors';
import { covers, isStaff, jurisdictionOf } from '../access/jurisdiction';
import { docs } from '../../http/openapi';
import { validateQuery } from '../../http/validate';
import { requireActor } from '../auth/plugin';
import { ORDER_SELECT, orderPage, type OrderRow } from '../orders/order-row';
import { distanceFromViewer, presentOrders } from '../orders/present';
import { orderPageSchema, serviceRecordSchema, taskPoolSchema } from '../orders/schemas';
import { isServing, loadViewer } from '../orders/standing';

/** '/a/b/c/' → ['/a/', '/a/b/', '/a/b/c/']: the places whose open orders a person living in c may see. */
function prefixes(path: string): string[] {
  const ids = path.split('/').filter(Boolean);
  return ids.map((_, i) => `/${ids.slice(0, i + 1).join('/')}/`);
}

/** Great-circle metres from ($lat, $lng) to the order's door, in SQL (the same formula as shared/geo.ts). */
function distanceSql(lat: string, lng: string): string {
  return `2 * 6371008.8 * asin(least(1, sqrt(power(sin(radians(o.location_lat - ${lat}) / 2), 2)
            + cos(radians(${lat})) * cos(radians(o.location_lat)) * power(sin(radians(o.location_lng - ${lng}) / 2), 2))))`;
}

const POOL_SIZE = 50;

/** The volunteer's side: the task hall (任务大厅) and their own tasks. */
export default async function taskRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    `${TASKS_PATH}/pool`,
    {
      schema: docs({
        tags: ['tasks'],
        summary: '任务大厅：我可以接的需求（由近到远）',
        description:
          '待接单、服务类别在我的技能内、已升级到覆盖我所在地的级别（网格 → 嘎查村/社区 → 苏木乡镇 → 旗县）的需求，最近的在前，附距离；居民联系方式打码。不在岗时也能浏览，`availableNow` 为 false 时不能接单。',
        auth: 'required',
        response: { 200: taskPoolSchema },
        errors: [[403, '只有志愿者和网格员有任务大厅']],
      }),
    },
    async (request): Promise<TaskPoolDto> => {
      const actor = requireActor(request);
      if (!isServing(actor)) throw new ForbiddenError('只有志愿者和网格员有任务大厅。');
      const now = app.clock();
      const availableNow = isAvailableNow(actor.user.onDuty, actor.user.roster, now);
      if (actor.regionPath === null || actor.user.skills.length === 0) return { availableNow, items: [] };
      return app.db.transaction(async (m) => {
        const v = await loadViewer(m, actor, now);
        const params: unknown[] = [prefixes(actor.regionPath!), actor.user.skills, actor.id];
        let order = 'o.created_at';
        if (actor.user.locationLat !== null && actor.user.locationLng !== null) {
          params.push(actor.user.locationLat, actor.user.locationLng);
          order = `${distanceSql('$4', '$5')} NULLS LAST, o.created_at`;
        }
        params.push(POOL_SIZE);
        const rows = await m.query<OrderRow[]>(
          `${ORDER_SELECT}
           WHERE o.status = 'pending' AND o.scope_path = ANY($1::text[]) AND o.category_code = ANY($2::text[])
             AND NOT EXISTS (SELECT 1 FROM order_assignment a WHERE a.order_id = o.id AND a.round = o.round AND a.volunteer_id = $3
                             AND a.state IN ('accepted', 'in_service', 'completed'))
           ORDER BY ${order} LIMIT $${params.length}`,
          params,
        );
        const presented = await presentOrders(m, v, rows);
        return { availableNow, items: presented.map((p, i) => ({ ...p.dto, distanceMeters: distanceFromViewer(v, rows[i]!) })) };
      });
    },
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
    async (request): Promise<Page<OrderDto>> => {
      const actor = requireActor(request);
      if (!isServing(actor)) throw new ForbiddenError('只有志愿者和网格员有任务。');
      const q = request.query as MyTasksQuery;
      return app.db.transaction(async (m) => {
        const v = await loadViewer(m, actor, app.clock());
        const params: unknown[] = [actor.id, [...v.squads]];
        const where = [
          `(EXISTS (SELECT 1 FROM order_assignment a WHERE a.order_id = o.id AND a.volunteer_id = $1)
            OR o.dispatched_to_user_id = $1 OR o.dispatched_to_squad_id = ANY($2::uuid[]))`,
        ];
        if (q.status !== undefined) {
          params.push(q.status);
          where.push(`o.status = $${params.length}`);
        }
        const { rows, nextCursor } = await orderPage(m, where, params, q);
        return { items: (await presentOrders(m, v, rows)).map((p) => p.dto), nextCursor };
      });
    },
  );

  app.get<{ Params: { id: string } }>(
    `${API_PREFIX}/users/:id/service-record`,
    {
      schema: docs({
        tags: ['tasks'],
        summary: '志愿者的服务记录（可靠性）',
        description: '本人或有管辖权的工作人员：接单、完成、签到前退单、未到场、拒绝派单的次数，服务时长，平均评分，可靠性（完成 ÷（完成 + 退单 + 未到场））。',
        auth: 'required',
        params: { id: { type: 'string', format: 'uuid' } },
        response: { 200: serviceRecordSchema },
        errors: [404],
      }),
    },
    async (request): Promise<ServiceRecordDto> => {
      const actor = requireActor(request);
      const { id } = request.params;
      if (!UUID_PATTERN.test(id)) throw new NotFoundError('该人员不存在。');
      const [person] = await app.db.query<Array<{ path: string | null }>>(
        `SELECT r.path FROM app_user u LEFT JOIN region r ON r.id = u.region_id WHERE u.id = $1`,
        [id],
      );
      // like the person's record: themself, or staff whose jurisdiction covers them
      if (!person || !(id === actor.id || (isStaff(actor) && covers(jurisdictionOf(actor), person.path)))) throw new NotFoundError('该人员不存在。');
      const [r] = await app.db.query<Array<Omit<ServiceRecordDto, 'userId' | 'reliability'>>>(
        `SELECT count(*)::int AS accepted,
                (count(*) FILTER (WHERE a.state = 'completed'))::int AS completed,
                COALESCE(sum(a.service_minutes), 0)::int AS "serviceMinutes",
                (count(*) FILTER (WHERE a.state = 'released'))::int AS released,
                (count(*) FILTER (WHERE a.state = 'no_show'))::int AS "noShows",
                (SELECT count(*)::int FROM order_event e WHERE e.type = 'reject' AND e.actor_id = $1) AS "rejectedDispatches",
                (count(*) FILTER (WHERE a.check_in_far))::int AS "farCheckIns",
                round(avg(o.rating) FILTER (WHERE a.state = 'completed'), 2)::float8 AS "averageRating"
         FROM order_assignment a JOIN service_order o ON o.id = a.order_id
         WHERE a.volunteer_id = $1`,
        [id],
      );
      const rec = r!;
      const judged = rec.completed + rec.released + rec.noShows;
      return { userId: id, ...rec, reliability: judged === 0 ? null : Math.round((rec.completed / judged) * 1000) / 1000 };
    },
  );
}
