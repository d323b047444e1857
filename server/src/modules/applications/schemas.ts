import { APPLICATION_KINDS, APPLICATION_STATUSES, type ApplicationDto, type Page, type PlaceRefDto } from '@bangbang/shared';
import { nullable, shape, type JsonSchema } from '../../http/openapi';

/** The application routes' response shapes (documentation only, checked against real replies by the openapi test). */

const uuid: JsonSchema = { type: 'string', format: 'uuid' };
const time: JsonSchema = { type: 'string', format: 'date-time' };

/** A place named by an application (`PlaceRefDto`), inline: OpenAPI 3.0 cannot make a `$ref` nullable. */
const placeRefSchema: JsonSchema = {
  type: 'object',
  properties: { id: uuid, label: { type: 'string', example: '巴彦淖尔市 › 临河区 › 新华街道 › 胜利社区 › 第一网格' } },
  required: ['id', 'label'] satisfies Array<keyof PlaceRefDto>,
  additionalProperties: false,
};

export const applicationSchema = shape<ApplicationDto>('Application', {
  description: '一份申请：申请当志愿者（技能、服务区域、可服务时间、备注）或迁移所属网格（目标网格、新地址、原因）',
  properties: {
    id: uuid,
    kind: { type: 'string', enum: [...APPLICATION_KINDS] },
    status: { type: 'string', enum: [...APPLICATION_STATUSES] },
    applicant: {
      type: 'object',
      properties: { id: uuid, name: { type: 'string' }, phone: nullable({ type: 'string', example: '138****0001' }) },
      required: ['id', 'name', 'phone'],
      additionalProperties: false,
    },
    place: nullable(placeRefSchema),
    skills: { type: 'array', items: { type: 'string' } },
    serviceRegion: nullable(placeRefSchema),
    availability: {
      type: 'array',
      items: {
        type: 'object',
        properties: { weekday: { type: 'integer', minimum: 1, maximum: 7 }, start: { type: 'string' }, end: { type: 'string' } },
        required: ['weekday', 'start', 'end'],
        additionalProperties: false,
      },
    },
    note: nullable({ type: 'string' }),
    targetRegion: nullable(placeRefSchema),
    address: nullable({ type: 'string' }),
    location: nullable({
      type: 'object',
      properties: { lat: { type: 'number' }, lng: { type: 'number' } },
      required: ['lat', 'lng'],
      additionalProperties: false,
    }),
    reason: nullable({ type: 'string' }),
    decidedBy: nullable({ type: 'object', properties: { id: uuid, name: { type: 'string' } }, required: ['id', 'name'], additionalProperties: false }),
    decidedAt: nullable(time),
    declineReason: nullable({ type: 'string' }),
    createdAt: time,
  },
});

export const applicationPageSchema = shape<Page<ApplicationDto>>('ApplicationPage', {
  properties: {
    items: { type: 'array', items: applicationSchema },
    nextCursor: nullable({ type: 'string', description: '下一页时作为 `cursor` 传回；最后一页为 null' }),
  },
});
