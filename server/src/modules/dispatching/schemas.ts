import {
  DISPATCH_MODES,
  type BatchAssignedDto,
  type BatchDispatchResultDto,
  type CandidateDto,
  type CandidateListDto,
  type DispatchSettingsDto,
  type MatchReason,
} from '@bangbang/shared';
import { nullable, shape } from '../../http/openapi';

const reasonSchema = shape<MatchReason>('MatchReason', {
  description: '推荐理由：`text` 原样显示给调度员',
  properties: {
    code: { type: 'string', enum: ['distance', 'same_grid', 'paired_cadre', 'load', 'today', 'rating', 'acceptance', 'party_member', 'members'] },
    text: { type: 'string', example: '同网格' },
  },
});

const candidateSchema = shape<CandidateDto>('Candidate', {
  properties: {
    kind: { type: 'string', enum: ['volunteer', 'squad'] },
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    score: { type: 'number', description: '越高越合适（100 为中性起点）' },
    distanceMeters: nullable({ type: 'integer' }),
    activeTasks: { type: 'integer', description: '手头任务数（小分队：派给它且未完成的需求数）' },
    reasons: { type: 'array', items: reasonSchema },
  },
});

export const candidateListSchema = shape<CandidateListDto>('CandidateList', {
  properties: { items: { type: 'array', items: candidateSchema } },
});

export const dispatchSettingsSchema = shape<DispatchSettingsDto>('DispatchSettings', {
  description: '地区的派单方式：本地区的设置（null 为随上级）、实际生效的方式及其来源',
  properties: {
    regionId: { type: 'string', format: 'uuid' },
    mode: nullable({ type: 'string', enum: [...DISPATCH_MODES] }),
    effectiveMode: { type: 'string', enum: [...DISPATCH_MODES] },
    inheritedFrom: nullable({ type: 'string', format: 'uuid', description: '生效设置所在的地区（本地区或上级）；都没有设置时为 null（人工派单）' }),
  },
});

const batchAssignedSchema = shape<BatchAssignedDto>('BatchAssigned', {
  properties: {
    orderId: { type: 'string', format: 'uuid' },
    assigneeId: { type: 'string', format: 'uuid' },
    assigneeName: { type: 'string' },
    score: { type: 'number' },
    reasons: { type: 'array', items: reasonSchema },
  },
});

const leftSchema = {
  type: 'object',
  properties: { orderId: { type: 'string', format: 'uuid' }, reason: { type: 'string' } },
  required: ['orderId', 'reason'],
  additionalProperties: false,
} as const;

export const batchDispatchResultSchema = shape<BatchDispatchResultDto>('BatchDispatchResult', {
  description: '批量派单的结果：派了谁、为什么，没派出的需求及原因，与逐个挑选（贪心）的对比',
  properties: {
    regionId: { type: 'string', format: 'uuid' },
    method: { type: 'string', enum: ['exact', 'greedy'] },
    orders: { type: 'integer', description: '参与派单的需求数（本地区待接单、您可以派的需求，含尚未升级到本级的）' },
    assigned: { type: 'array', items: batchAssignedSchema },
    unassigned: { type: 'array', description: '参与派单但没有派出的需求及原因（现在没有可接的人、能接的人手头任务已满……）', items: leftSchema },
    skipped: { type: 'array', description: '本地区仍在等人、但没有参与这次派单的需求及原因（已派单等待回应……）', items: leftSchema },
    summary: { type: 'string', description: '一句话说明结果；没有可派的需求时说明原因', example: '该区域没有待派的需求。' },
    totalScore: { type: 'number' },
    greedy: {
      type: 'object',
      properties: { assigned: { type: 'integer' }, totalScore: { type: 'number' } },
      required: ['assigned', 'totalScore'],
      additionalProperties: false,
    },
  },
});
