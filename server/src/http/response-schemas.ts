import {
  FAMILY_RELATIONS,
  LEDGER_TAGS,
  ROLES,
  SERVICE_KINDS,
  TEAM_COLORS,
  REGION_LEVELS,
  type DutyPersonDto,
  type DutyStatusDto,
  type GrantableRolesDto,
  type FamilyContactDto,
  type FollowedResidentDto,
  type HealthResponse,
  type LoginResponse,
  type MeDto,
  type Page,
  type RegionDto,
  type RegionHitDto,
  type RosterSlot,
  type ServiceCategoryDto,
  type SquadDto,
  type UserDto,
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
    kind: { type: 'string', enum: [...SERVICE_KINDS], description: 'general 人人可接（区域内任何志愿者）· qualified 需要专长（只有有这项技能的人）' },
    multiPerson: { type: 'boolean', description: '可能需要多人（如助农抢收）' },
    sortOrder: { type: 'integer', description: '首页排序，小的在前' },
    active: { type: 'boolean', description: '停用的服务只有管理员看得到' },
  },
});

/** A person's own record; the User shape (others' view) is the same plus the masking flags. */
const personProperties = {
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
};

export const meSchema = shape<MeDto>('Me', {
  description: '本人看到的自己：不打码',
  properties: personProperties,
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

export const regionSchema = shape<RegionDto>('Region', {
  description: '地区：盟市、旗县、苏木乡镇/街道、嘎查村/社区或网格',
  properties: {
    id: uuid,
    parentId: nullable({ ...uuid, description: '上级地区（盟市为 null）' }),
    level: { type: 'string', enum: [...REGION_LEVELS] },
    name: { type: 'string', example: '陕坝镇' },
    center: nullable(latLng),
  },
});

export const regionPageSchema = shape<Page<RegionDto>>('RegionPage', {
  properties: { items: { type: 'array', items: regionSchema }, nextCursor: nullable({ type: 'string' }) },
});

export const regionHitSchema = shape<RegionHitDto>('RegionHit', {
  description: '按名称搜索或按距离找到的地区，带上级各级名称',
  properties: {
    id: uuid,
    level: { type: 'string', enum: [...REGION_LEVELS] },
    name: { type: 'string', example: '第一网格' },
    pathNames: { type: 'array', items: { type: 'string' }, description: '从盟市到本级的名称' },
    pathIds: { type: 'array', items: uuid, description: '从盟市到本级的地区编号' },
    label: { type: 'string', example: '巴彦淖尔市 › 临河区 › 新华街道 › 胜利社区 › 第一网格' },
    selectable: { type: 'boolean', description: '能否选为所属地区：网格，或没有划分网格的社区/村' },
    distanceMeters: nullable({ type: 'integer', description: '离所给位置的距离（米）；搜索时为 null' }),
  },
});

export const regionHitListSchema = shape<{ items: RegionHitDto[] }>('RegionHitList', {
  properties: { items: { type: 'array', items: regionHitSchema } },
});

export const familyContactSchema = shape<FamilyContactDto>('FamilyContact', {
  description: '居民的家属联系人（子女、配偶、监护人…）：用本人手机号登录后可以查看并确认这位居民的需求',
  properties: {
    id: uuid,
    residentId: uuid,
    name: { type: 'string', example: '王小红' },
    relation: { type: 'string', enum: [...FAMILY_RELATIONS], description: 'child 子女、spouse 配偶、guardian 监护人、relative 亲属、other 其他' },
    phone: { type: 'string', description: '完整号码或打码号码（`138****0001`）' },
    phoneMasked: { type: 'boolean' },
    createdAt: { type: 'string', format: 'date-time' },
  },
});

export const familyContactListSchema = shape<{ items: FamilyContactDto[] }>('FamilyContactList', {
  properties: { items: { type: 'array', items: familyContactSchema } },
});

export const followedResidentListSchema = shape<{ items: FollowedResidentDto[] }>('FollowedResidentList', {
  properties: {
    items: {
      type: 'array',
      items: shape<FollowedResidentDto>('FollowedResident', {
        description: '我关注的家人（我的手机号是这位居民的家属联系人）',
        properties: {
          id: uuid,
          name: { type: 'string' },
          relation: { type: 'string', enum: [...FAMILY_RELATIONS], description: '我与这位居民的关系' },
          regionId: nullable(uuid),
          regionName: nullable({ type: 'string', description: '所在网格或社区' }),
          address: nullable({ type: 'string' }),
          openOrders: { type: 'integer', minimum: 0, description: '未完成的需求数' },
          toConfirm: { type: 'integer', minimum: 0, description: '服务已完成、等待确认的需求数' },
        },
      }),
    },
  },
});

export const userSchema = shape<UserDto>('User', {
  description: '别人看到的人员：手机号与详细地址在无权查看时打码（`138****0001`，地址只到社区），有权查看的每次完整显示都会记入访问记录',
  properties: {
    ...personProperties,
    phone: nullable({ type: 'string', description: '完整号码或打码号码（`138****0001`）' }),
    phoneMasked: { type: 'boolean', description: '手机号、固定电话和家属手机号是否打码' },
    landline: nullable({ type: 'string', description: '固定电话（没有手机的老人），无权查看时打码（`0471-*****67`）' }),
    familyContacts: { type: 'array', items: familyContactSchema, description: '家属联系人（居民）' },
    location: nullable({ ...latLng, description: '打码时为 null（精确位置会暴露住址）' }),
    address: nullable({ type: 'string', description: '完整地址，或打码时所在社区的名称' }),
    addressMasked: { type: 'boolean' },
  },
});

export const userPageSchema = shape<Page<UserDto>>('UserPage', {
  properties: {
    items: { type: 'array', items: userSchema },
    nextCursor: nullable({ type: 'string', description: '下一页时作为 `cursor` 传回；最后一页为 null' }),
  },
});

const rosterSlotSchema = shape<RosterSlot>('RosterSlotOut', {
  properties: {
    weekday: { type: 'integer', minimum: 1, maximum: 7, description: '1 = 周一 … 7 = 周日' },
    start: { type: 'string', example: '08:00' },
    end: { type: 'string', example: '20:00' },
  },
});

export const dutyStatusSchema = shape<DutyStatusDto>('DutyStatus', {
  description: '值班状态：在岗且在值班时段内（或未设值班表）即为“可接单”',
  properties: {
    onDuty: { type: 'boolean' },
    availableNow: { type: 'boolean' },
    roster: nullable({ type: 'array', items: rosterSlotSchema }),
  },
});

export const grantableRolesSchema = shape<GrantableRolesDto>('GrantableRoles', {
  description: '我可以授予或收回这个人的哪些角色（与修改人员时服务器的规则相同）',
  properties: {
    editable: { type: 'boolean', description: '能否修改这个人' },
    roles: { type: 'array', items: { type: 'string', enum: [...ROLES] } },
    reason: nullable({ type: 'string', description: '不能修改时的原因' }),
  },
});

export const dutyPersonPageSchema = shape<Page<DutyPersonDto>>('DutyPersonPage', {
  properties: {
    items: {
      type: 'array',
      items: shape<DutyPersonDto>('DutyPerson', {
        description: '在岗情况里的一位志愿者或网格员（不含手机号和地址）',
        properties: {
          id: uuid,
          name: { type: 'string' },
          roles: { type: 'array', items: { type: 'string', enum: [...ROLES] } },
          regionId: nullable(uuid),
          regionName: nullable({ type: 'string' }),
          skills: { type: 'array', items: { type: 'string' } },
          onDuty: { type: 'boolean', description: '本人已上岗' },
          availableNow: { type: 'boolean', description: '在岗且在值班时段内（或未设值班表）' },
          roster: nullable({ type: 'array', items: rosterSlotSchema }),
        },
      }),
    },
    nextCursor: nullable({ type: 'string' }),
  },
});

const squadProperties = {
  id: uuid,
  name: { type: 'string', example: '北城社区暖心服务小分队' },
  color: { type: 'string', enum: [...TEAM_COLORS] },
  regionId: uuid,
  leaderId: uuid,
  categories: { type: 'array', items: { type: 'string' } },
  memberCount: { type: 'integer' },
  leaderName: { type: 'string', description: '负责人姓名' },
  regionName: { type: 'string', description: '所在地区名称' },
};

export const squadSchema = shape<SquadDto>('Squad', { description: '小分队', properties: squadProperties });

export const squadPageSchema = shape<Page<SquadDto>>('SquadPage', {
  properties: { items: { type: 'array', items: squadSchema }, nextCursor: nullable({ type: 'string' }) },
});

export const squadDetailSchema = shape<SquadDto & { members: UserDto[] }>('SquadDetail', {
  description: '小分队及其成员（队友之间互相打码；有管辖权的工作人员看到完整信息）',
  properties: { ...squadProperties, members: { type: 'array', items: userSchema } },
});
