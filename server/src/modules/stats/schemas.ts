import { REGION_LEVELS, type PlaceFiguresDto, type StatsPlaceDto, type PlaceRowDto, type StatsByPlaceDto } from '@bangbang/shared';
import { nullable, shape, type JsonSchema } from '../../http/openapi';

/** The answer of `GET /stats/by-place` as OpenAPI components (documentation; the openapi test checks real replies). */

const uuid: JsonSchema = { type: 'string', format: 'uuid' };
const time: JsonSchema = { type: 'string', format: 'date-time' };
const level: JsonSchema = { type: 'string', enum: [...REGION_LEVELS] };

const figures: { [K in keyof PlaceFiguresDto]-?: JsonSchema } = {
  orders: { type: 'integer', description: '需求数（时段内点单）' },
  peopleServed: { type: 'integer', description: '服务居民：有已完成需求的不同居民人数' },
  serviceHours: { type: 'number', description: '服务时长（小时，签到到完成）' },
  serviceMinutes: { type: 'integer', description: '服务时长（分钟，可逐级相加）' },
  medianMinutesToAccept: nullable({ type: 'number', description: '点单到首次接单的分钟数中位数' }),
  onTimeShare: nullable({ type: 'number', minimum: 0, maximum: 1, description: '按时接单率 = onTime ÷ onTimeBase' }),
  onTime: { type: 'integer', description: '在服务时限内接单的需求数' },
  onTimeBase: { type: 'integer', description: '已接单或已过时限（且未在时限前取消）的需求数' },
  averageRating: nullable({ type: 'number', minimum: 1, maximum: 5 }),
  ratings: { type: 'integer', description: '有评分的需求数' },
  escalations: { type: 'integer', description: '升级次数（三级联动）' },
  neverServed: { type: 'integer', description: '超时无人接单：从未被接、且时限前没有取消的需求数' },
};

export const placeFiguresSchema = shape<PlaceFiguresDto>('PlaceFigures', { description: '一个地区在时段内的统计', properties: figures });

export const placeRowSchema = shape<PlaceRowDto>('PlaceRow', {
  description: '一个下级地区的统计；`regionId` 为 null 的一行是「本级」（直接落在本地区的需求）',
  properties: {
    ...figures,
    regionId: nullable(uuid),
    name: { type: 'string' },
    level: nullable(level),
    hasChildren: { type: 'boolean', description: '还有下级地区（可以继续下钻）' },
  },
});

const placeRef = shape<StatsPlaceDto>('StatsPlace', {
  description: '一个地区；`id` 为 null 表示全部地区',
  properties: { id: nullable(uuid), name: { type: 'string' }, level: nullable(level) },
});

export const statsByPlaceSchema = shape<StatsByPlaceDto>('StatsByPlace', {
  description: '按地区统计：本地区合计与每个直属下级地区一行',
  properties: {
    region: placeRef,
    trail: { type: 'array', items: placeRef, description: '从管辖范围顶层到本地区（面包屑）' },
    from: nullable(time),
    to: nullable(time),
    totals: placeFiguresSchema,
    rows: { type: 'array', items: placeRowSchema },
  },
});
