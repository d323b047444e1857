import {
  CLAIM_STATUSES,
  PROJECT_STATUSES,
  type Page,
  type PartyRegistrationDto,
  type ProjectClaimDto,
  type ProjectDto,
  type ThreeListsDto,
} from '@bangbang/shared';
import { nullable, shape, type JsonSchema } from '../../http/openapi';

/** The project routes' response shapes (documentation only, checked against real replies by the openapi test). */

const uuid: JsonSchema = { type: 'string', format: 'uuid' };
const time: JsonSchema = { type: 'string', format: 'date-time' };
const place: JsonSchema = {
  type: 'object',
  properties: { id: uuid, name: { type: 'string', example: '北城社区' } },
  required: ['id', 'name'],
  additionalProperties: false,
};
const person: JsonSchema = {
  type: 'object',
  properties: { id: uuid, name: { type: 'string' }, phone: nullable({ type: 'string' }) },
  required: ['id', 'name', 'phone'],
  additionalProperties: false,
};
const someone: JsonSchema = {
  type: 'object',
  properties: { id: uuid, name: { type: 'string' } },
  required: ['id', 'name'],
  additionalProperties: false,
};

export const partyRegistrationSchema = shape<PartyRegistrationDto>('PartyRegistration', {
  description: '在职党员「双报到」：居住的社区/村、工作单位、单位党组织（可无）',
  properties: {
    id: uuid,
    person,
    community: place,
    workplace: { type: 'string', example: '杭锦后旗税务局' },
    workplacePartyOrg: nullable({ type: 'string', example: '杭锦后旗税务局党支部' }),
    registeredBy: nullable(someone),
    createdAt: time,
    updatedAt: time,
  },
});

export const myPartyRegistrationSchema: JsonSchema = {
  type: 'object',
  properties: { registration: nullable({ ...partyRegistrationSchema.schema }) },
  required: ['registration'],
  additionalProperties: false,
};

export const partyRegistrationPageSchema = shape<Page<PartyRegistrationDto>>('PartyRegistrationPage', {
  properties: {
    items: { type: 'array', items: partyRegistrationSchema },
    nextCursor: nullable({ type: 'string', description: '下一页时作为 `cursor` 传回；最后一页为 null' }),
  },
});

export const projectClaimSchema = shape<ProjectClaimDto>('ProjectClaim', {
  description: '一次认领：已认领 → 已参加（记时长与积分）/ 未到，或本人取消',
  properties: {
    id: uuid,
    person,
    status: { type: 'string', enum: [...CLAIM_STATUSES] },
    claimedAt: time,
    confirmedAt: nullable(time),
    hours: nullable({ type: 'number' }),
    points: nullable({ type: 'integer' }),
  },
});

export const projectSchema = shape<ProjectDto>('Project', {
  description: '社区项目（民生实事，项目清单中的一项）',
  properties: {
    id: uuid,
    community: place,
    title: { type: 'string', example: '北城社区楼道路灯维修' },
    description: { type: 'string' },
    address: { type: 'string' },
    startsAt: time,
    endsAt: time,
    places: { type: 'integer', minimum: 1 },
    claimed: { type: 'integer', minimum: 0 },
    skills: { type: 'array', items: { type: 'string' } },
    hours: { type: 'number', description: '每次参加记入的服务时长（小时）' },
    pointsBase: { type: 'integer' },
    pointsPerHour: { type: 'integer' },
    status: { type: 'string', enum: [...PROJECT_STATUSES] },
    createdBy: nullable(someone),
    createdAt: time,
    sourceOrders: {
      type: 'array',
      description: '由哪些居民需求转来（转为项目）',
      items: {
        type: 'object',
        properties: { id: uuid, description: { type: 'string' }, categoryName: { type: 'string' }, residentName: { type: 'string' } },
        required: ['id', 'description', 'categoryName', 'residentName'],
        additionalProperties: false,
      },
    },
    myClaim: nullable({ ...projectClaimSchema.schema }),
    actions: { type: 'array', items: { type: 'string', enum: ['claim', 'cancel_claim', 'edit', 'confirm'] } },
    claims: nullable({ type: 'array', items: projectClaimSchema }),
  },
});

export const projectPageSchema = shape<Page<ProjectDto>>('ProjectPage', {
  properties: {
    items: { type: 'array', items: projectSchema },
    nextCursor: nullable({ type: 'string', description: '下一页时作为 `cursor` 传回；最后一页为 null' }),
  },
});

export const myProjectsSchema: JsonSchema = {
  type: 'object',
  properties: { items: { type: 'array', items: projectSchema } },
  required: ['items'],
  additionalProperties: false,
};

export const threeListsSchema = shape<ThreeListsDto>('ThreeLists', {
  description: '一个社区/村的三张清单：需求清单、资源清单、项目清单',
  properties: {
    community: place,
    demands: {
      type: 'object',
      properties: {
        open: { type: 'integer' },
        overdue: { type: 'integer' },
        byCategory: {
          type: 'array',
          items: {
            type: 'object',
            properties: { categoryName: { type: 'string' }, count: { type: 'integer' } },
            required: ['categoryName', 'count'],
            additionalProperties: false,
          },
        },
      },
      required: ['open', 'overdue', 'byCategory'],
      additionalProperties: false,
    },
    resources: {
      type: 'object',
      properties: {
        volunteers: { type: 'integer' },
        gridWorkers: { type: 'integer' },
        squads: { type: 'integer' },
        partyMembers: { type: 'integer' },
        employedPartyMembers: { type: 'integer' },
      },
      required: ['volunteers', 'gridWorkers', 'squads', 'partyMembers', 'employedPartyMembers'],
      additionalProperties: false,
    },
    projects: { type: 'array', items: projectSchema },
  },
});
