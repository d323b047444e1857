import {
  LEDGER_TAGS,
  ROLES,
  TEAM_COLORS,
  type HealthResponse,
  type LoginResponse,
  type MeDto,
  type ServiceCategoryDto,
} from '@bangbang/shared';
import { nullable, shape, type JsonSchema } from './openapi';

/**
 * The response shapes of `@bangbang/shared` (TypeScript interfaces there) as OpenAPI components, for `docs()`.
 * `shape<Interface>` makes the compiler check each names exactly the interface's properties; the openapi test checks
 * real replies against them. Documentation only: replies are not serialised through these schemas.
 * Add a shape here when a route returns a new interface of shared; name it as the interface without `Dto`.
 */

const uuid: JsonSchema = { type: 'string', format: 'uuid' };
const latLng: JsonSchema = {
  type: 'object',
  properties: { lat: { type: 'number', minimum: -90, maximum: 90 }, lng: { type: 'number', minimum: -180, maximum: 180 } },
  required: ['lat', 'lng'],
  additionalProperties: false,
};

export const healthSchema = shape<HealthResponse>('HealthResponse', {
  description: '服务是否正常：数据库不通时 `status` 为 `unavailable`，状态码 503',
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    db: { type: 'string', enum: ['ok', 'down'] },
    version: { type: 'string', example: '0.1.0' },
  },
});

export const serviceCategorySchema = shape<ServiceCategoryDto>('ServiceCategory', {
  description: '服务清单中的一项服务',
  properties: {
    code: { type: 'string', pattern: '^[a-z][a-z0-9_]{1,39}$', description: '编码（订单引用它，永不改变）', example: 'meal_delivery' },
    name: { type: 'string', example: '助餐送餐' },
    color: { type: 'string', enum: [...TEAM_COLORS], description: '通常承接这项服务的颜色小分队' },
    icon: { type: 'string', description: '小程序磁贴上的图标键' },
    acceptMinutesNormal: { type: 'integer', minimum: 1, maximum: 10080, description: '普通单等待接单的分钟数，超时升级' },
    acceptMinutesUrgent: { type: 'integer', minimum: 1, maximum: 10080, description: '紧急单等待接单的分钟数（不长于普通单）' },
    multiPerson: { type: 'boolean', description: '可能需要多人（如助农抢收）' },
    sortOrder: { type: 'integer', description: '首页排序，小的在前' },
    active: { type: 'boolean', description: '停用的服务只有管理员看得到' },
  },
});

export const meSchema = shape<MeDto>('Me', {
  description: '本人看到的自己：不打码',
  properties: {
    id: uuid,
    name: { type: 'string' },
    phone: nullable({ type: 'string', pattern: '^1[3-9]\\d{9}$', description: '通过微信登录、尚未绑定手机号时为 null' }),
    roles: { type: 'array', items: { type: 'string', enum: [...ROLES] } },
    regionId: nullable(uuid),
    location: nullable(latLng),
    skills: { type: 'array', items: { type: 'string' }, description: '会做的服务类别编码' },
    partyMember: { type: 'boolean', description: '党员' },
    employedPartyMember: { type: 'boolean', description: '在职党员（到社区报到）' },
    address: nullable({ type: 'string' }),
    tags: { type: 'array', items: { type: 'string', enum: [...LEDGER_TAGS] }, description: '台账标签（独居老人等）' },
    pairedCadreId: nullable({ ...uuid, description: '包联干部' }),
    onDuty: { type: 'boolean', description: '正在值班' },
    createdAt: { type: 'string', format: 'date-time' },
  },
});

export const loginResponseSchema = shape<LoginResponse>('LoginResponse', {
  description: '登录成功：令牌与本人资料',
  properties: {
    token: { type: 'string', description: '之后以 `Authorization: Bearer <token>` 发送' },
    expiresIn: { type: 'integer', description: '令牌还有多少秒过期', example: 604800 },
    user: meSchema,
  },
});

export const serviceCategoryListSchema = shape<{ items: ServiceCategoryDto[] }>('ServiceCategoryList', {
  properties: { items: { type: 'array', items: serviceCategorySchema } },
});
