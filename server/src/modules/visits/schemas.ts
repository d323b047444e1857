import {
  LEDGER_TAGS,
  REGION_LEVELS,
  VISIT_CONDITIONS,
  VISIT_FREQUENCIES,
  VISIT_STATES,
  type MissedVisitsDto,
  type VisitCoverageDto,
  type VisitCoverageRowDto,
  type VisitDto,
  type VisitPlanDto,
} from '@bangbang/shared';
import { nullable, shape, type JsonSchema } from '../../http/openapi';

/** The visit routes' response shapes (documentation only, checked against real replies by the openapi test). */

const uuid: JsonSchema = { type: 'string', format: 'uuid' };
const time: JsonSchema = { type: 'string', format: 'date-time' };
const count: JsonSchema = { type: 'integer', minimum: 0 };

export const visitSchema = shape<VisitDto>('Visit', {
  description: '一次走访任务：台账户、周期（周/月/季度）、截止时间、状态、签到与走访记录、发现需求转成的需求单',
  properties: {
    id: uuid,
    period: { type: 'string', example: '2026-W50' },
    periodLabel: { type: 'string', example: '2026年第50周' },
    frequency: { type: 'string', enum: [...VISIT_FREQUENCIES] },
    dueAt: time,
    state: { type: 'string', enum: [...VISIT_STATES] },
    household: {
      type: 'object',
      properties: {
        id: uuid,
        name: { type: 'string' },
        address: nullable({ type: 'string' }),
        tags: { type: 'array', items: { type: 'string', enum: [...LEDGER_TAGS] } },
        regionName: { type: 'string' },
        location: nullable({
          type: 'object',
          properties: { lat: { type: 'number' }, lng: { type: 'number' } },
          required: ['lat', 'lng'],
          additionalProperties: false,
        }),
      },
      required: ['id', 'name', 'address', 'tags', 'regionName', 'location'],
      additionalProperties: false,
    },
    assignee: nullable({ type: 'object', properties: { id: uuid, name: { type: 'string' } }, required: ['id', 'name'], additionalProperties: false }),
    checkedInAt: nullable(time),
    checkInDistance: nullable({ type: 'integer' }),
    farCheckIn: { type: 'boolean' },
    doneAt: nullable(time),
    late: { type: 'boolean' },
    condition: nullable({ type: 'string', enum: [...VISIT_CONDITIONS] }),
    note: nullable({ type: 'string' }),
    orderId: nullable(uuid),
    escalationLevel: { type: 'integer', minimum: 0, maximum: 4 },
  },
});

export const visitListSchema: JsonSchema = { type: 'array', items: visitSchema };

export const missedVisitsSchema = shape<MissedVisitsDto>('MissedVisits', {
  description: '逾期未走访：总数与最早逾期的若干条',
  properties: { count, items: { type: 'array', items: visitSchema } },
});

export const visitPlanSchema = shape<VisitPlanDto>('VisitPlan', {
  description: '一个地区生效的走访计划：每个台账标签的频次，及其来源（本级设置、上级设置、默认）',
  properties: {
    regionId: uuid,
    regionName: { type: 'string' },
    plans: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          tag: { type: 'string', enum: [...LEDGER_TAGS] },
          frequency: { type: 'string', enum: [...VISIT_FREQUENCIES] },
          source: { type: 'string', enum: ['own', 'inherited', 'default'] },
          fromRegionName: nullable({ type: 'string' }),
        },
        required: ['tag', 'frequency', 'source', 'fromRegionName'],
        additionalProperties: false,
      },
    },
  },
});

const coverageRowSchema = shape<VisitCoverageRowDto>('VisitCoverageRow', {
  description: '一个地区的走访覆盖：台账户数、走访到的户数（时段内至少走访过一次的户，不是户次）、应走访户次、按时、逾期补访、未走访、按时走访率',
  properties: {
    regionId: nullable(uuid),
    name: { type: 'string' },
    level: nullable({ type: 'string', enum: [...REGION_LEVELS] }),
    households: count,
    householdsVisited: count,
    due: count,
    onTime: count,
    late: count,
    missed: count,
    coverage: nullable({ type: 'number', minimum: 0, maximum: 1 }),
  },
});

export const visitCoverageSchema = shape<VisitCoverageDto>('VisitCoverage', {
  description: '走访覆盖率：本地区合计与每个直属下级地区一行（旗县 → 苏木乡镇 → 社区 → 网格）',
  properties: { from: time, to: time, total: coverageRowSchema, rows: { type: 'array', items: coverageRowSchema } },
});
