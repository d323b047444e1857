import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { ValidateIf, validateSync, type ValidationError } from 'class-validator';
import type { ErrorDetail } from './errors';

/**
 * Validation of request bodies (and query strings) against the shared DTO classes.
 * Unknown properties are errors, not silently dropped: a misspelt field must not look accepted.
 */
export const VALIDATOR_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
} as const;

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; details: ErrorDetail[] };

const CJK = /[\u3400-\u9fff]/;

/** The first number in class-validator's English default message ("must not be less than 1" → "1"). */
function numberIn(text: string): string | undefined {
  return /-?\d+(?:\.\d+)?/.exec(text)?.[0];
}

/**
 * Chinese for class-validator's built-in constraints. A DTO may give its own message (in Chinese) on a decorator;
 * any message that already contains Chinese is used as it is.
 */
const CONSTRAINT_MESSAGES: Record<string, (english: string) => string> = {
  whitelistValidation: () => '不允许的字段',
  unknownValue: () => '内容无法识别',
  isDefined: () => '必填',
  isNotEmpty: () => '不能为空',
  isString: () => '必须是文本',
  isBoolean: () => '必须是 true 或 false',
  isInt: () => '必须是整数',
  isNumber: () => '必须是数字',
  isPositive: () => '必须是正数',
  isArray: () => '必须是列表',
  isObject: () => '必须是对象',
  isEnum: () => '不在允许的取值范围内',
  isIn: () => '不在允许的取值范围内',
  isUUID: () => '编号格式不正确',
  isISO8601: () => '必须是 ISO 8601 格式的时间',
  isDateString: () => '必须是 ISO 8601 格式的时间',
  isLatitude: () => '必须是 -90 到 90 之间的纬度',
  isLongitude: () => '必须是 -180 到 180 之间的经度',
  isUrl: () => '必须是网址',
  matches: () => '格式不正确',
  nestedValidation: () => '内容格式不正确',
  arrayUnique: () => '不能有重复项',
  min: (m) => `不能小于 ${numberIn(m) ?? '下限'}`,
  max: (m) => `不能大于 ${numberIn(m) ?? '上限'}`,
  minLength: (m) => `至少 ${numberIn(m) ?? ''} 个字符`,
  maxLength: (m) => `最多 ${numberIn(m) ?? ''} 个字符`,
  isLength: () => '长度不符合要求',
  arrayMinSize: (m) => `至少 ${numberIn(m) ?? ''} 项`,
  arrayMaxSize: (m) => `最多 ${numberIn(m) ?? ''} 项`,
  arrayNotEmpty: () => '不能为空列表',
};

function translate(constraint: string, message: string): string {
  if (CJK.test(message)) return message;
  const t = CONSTRAINT_MESSAGES[constraint];
  return t ? t(message) : '格式不正确';
}

function joinPath(parent: string, property: string): string {
  if (!parent) return property;
  return /^\d+$/.test(property) ? `${parent}[${property}]` : `${parent}.${property}`;
}

/** Flattens class-validator's error tree into `{ field, message }` pairs, one per field (its most telling message). */
export function toErrorDetails(errors: ValidationError[], parent = ''): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  for (const error of errors) {
    const field = joinPath(parent, error.property);
    const constraints = error.constraints ?? {};
    const keys = Object.keys(constraints);
    // class-validator reports decorators bottom-up; the last one is the first written, usually the most basic
    // ("必填" before "格式不正确"), so it is the one a person should fix first.
    const key = keys[keys.length - 1];
    if (key !== undefined) {
      out.push({ field: field || 'body', message: translate(key, constraints[key] ?? '') });
    }
    if (error.children && error.children.length > 0) out.push(...toErrorDetails(error.children, field));
  }
  return out;
}

/**
 * Turns a plain JSON value into an instance of `cls` and validates it.
 * A body that is not a JSON object (null, a list, a number) fails as a whole, with `field: "body"`.
 */
export function validateDto<T extends object>(cls: ClassConstructor<T>, plain: unknown): ValidationResult<T> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    return { ok: false, details: [{ field: 'body', message: '提交的内容格式不正确，应为一组填写项' }] };
  }
  const instance = plainToInstance(cls, plain, { enableImplicitConversion: false });
  const errors = validateSync(instance, VALIDATOR_OPTIONS);
  if (errors.length > 0) {
    // a required field left out is "必填", whatever rule it failed first ("必须是文本" would puzzle a person)
    const given = plain as Record<string, unknown>;
    const details = toErrorDetails(errors).map((d) =>
      /^\w+$/.test(d.field) && d.field !== 'body' && given[d.field] === undefined ? { ...d, message: '必填' } : d,
    );
    return { ok: false, details };
  }
  // Compilers that define class fields (useDefineForClassFields) give every declared property an own `undefined`;
  // drop them, so "absent" stays absent and `{ ...current, ...patch }` never overwrites a value with undefined.
  for (const key of Object.keys(instance) as Array<keyof T>) if (instance[key] === undefined) delete instance[key];
  return { ok: true, value: instance };
}

/**
 * The Chinese name of a field people fill in or a request carries, for the one sentence shown to a person: the
 * field's own (English) name is for programs and stays in `details`. A field not listed reads 「有一项内容」.
 */
export const FIELD_LABELS: Readonly<Record<string, string>> = {
  name: '姓名',
  phone: '手机号',
  landline: '固定电话',
  code: '验证码',
  address: '地址',
  location: '位置',
  lat: '纬度',
  lng: '经度',
  center: '中心位置',
  regionId: '所在地区',
  parentId: '上级地区',
  targetRegionId: '要迁入的网格',
  serviceRegionId: '服务区域',
  level: '地区级别',
  reason: '原因',
  note: '说明',
  comment: '说明',
  description: '需求说明',
  categoryCode: '服务项目',
  categories: '服务项目',
  skills: '能做的服务',
  urgency: '紧急程度',
  headcount: '需要的人数',
  preferredStart: '开始时间',
  preferredEnd: '结束时间',
  from: '开始时间',
  to: '结束时间',
  start: '开始时间',
  end: '结束时间',
  weekday: '星期',
  availability: '有空的时间',
  slots: '时间段',
  rating: '评分',
  resolved: '是否解决',
  residentId: '居民',
  assigneeId: '接单人',
  squadId: '小分队',
  leaderId: '负责人',
  pairedCadreId: '包联责任人',
  userId: '人员',
  volunteerId: '志愿者',
  roles: '角色',
  tags: '台账标签',
  relation: '与居民的关系',
  familyContacts: '家属联系人',
  photoUrls: '照片',
  file: '上传的文件',
  onDuty: '在岗状态',
  mode: '派单方式',
  dispatchMode: '派单方式',
  acceptMinutesNormal: '普通单接单时限',
  acceptMinutesUrgent: '紧急单接单时限',
  multiPerson: '多人服务',
  active: '启用',
  label: '名称',
  title: '标题',
  icon: '图标',
  color: '颜色',
  sortOrder: '排序',
  q: '搜索内容',
  limit: '每页条数',
  cursor: '翻页位置',
  status: '状态',
  ids: '消息',
  channelOrder: '提醒方式的顺序',
  muted: '关闭的提醒',
  purpose: '验证码用途',
  subjectId: '查看对象',
  partyMember: '党员',
  workplace: '工作单位',
  workplacePartyOrg: '单位党组织',
  places: '名额',
  hours: '时长',
  pointsBase: '基础积分',
  pointsPerHour: '每小时积分',
  startsAt: '开始时间',
  endsAt: '结束时间',
  sourceOrderIds: '转为项目的需求',
  attended: '是否参加',
  base: '基础积分',
  perHour: '每小时积分',
  goodRatingBonus: '好评奖励积分',
  goodRatingMin: '好评标准',
  price: '所需积分',
  stock: '库存',
  stockChange: '库存变化',
  pictureUrl: '图片',
  itemId: '商品',
  communityId: '社区/村',
  scope: '范围',
  period: '时间',
};

/** The choices of a field as a person reads them, for its message: 「居民、志愿者 或 管理员」. */
export function choiceWords(names: readonly string[]): string {
  return names.length > 1 ? `${names.slice(0, -1).join('、')} 或 ${names.at(-1)}` : (names[0] ?? '');
}

/** The label of a field path (`familyContacts[0].phone` → 「手机号」): its last named part. */
function labelOf(field: string): string | undefined {
  const last = field
    .replace(/\[\d+\]/g, '')
    .split('.')
    .filter(Boolean)
    .pop();
  return last === undefined ? undefined : FIELD_LABELS[last];
}

/** class-validator's and the schema's generic words (`必填`, `至少 2 个字符`…): they need the field's name before them. */
const NEEDS_LABEL =
  /^(必填|不能为空|必须是|不在允许的取值范围内|编号格式不正确|格式不正确|内容格式不正确|内容无法识别|类型不正确|长度不符合要求|不能有重复项|不能小于|不能大于|至少|最多)/;

/**
 * A message without the programs' names some were written with in brackets, for the API's readers:
 * 「请指定接单人（assigneeId）或小分队（squadId）之一」 → 「请指定接单人或小分队之一」. `details` still name the field.
 */
export function withoutProgramNames(message: string): string {
  return message.replace(/[（(][A-Za-z_][\w.:]*(?:: ?[\w.]+)?[）)]/g, '');
}

/** One detail as a sentence a person understands, naming the field in Chinese. */
export function detailSentence(detail: ErrorDetail): string {
  const message = withoutProgramNames(detail.message).replace(/[。.]$/, '');
  if (detail.message === '不允许的字段') return '提交的内容里有本页面不认识的一项，请刷新后重试';
  if (!NEEDS_LABEL.test(message)) return message;
  const label = labelOf(detail.field);
  if (message === '必填') return label ? `请填写${label}` : '有一项必填的内容没有填写';
  return `${label ?? '有一项内容'}${message}`;
}

/**
 * One sentence for the whole error, naming the first field in Chinese: 「请输入 11 位手机号码。」,
 * 「请填写姓名（另有 1 处需要修改）。」. Programs read the fields in `details`.
 */
export function summarizeDetails(details: ErrorDetail[]): string {
  const first = details[0];
  if (!first) return '提交的内容有误，请检查后再试。';
  const more = details.length > 1 ? `（另有 ${details.length - 1} 处需要修改）` : '';
  return `${detailSentence(first)}${more}。`;
}

/**
 * An optional field: absent is fine, `null` is not. class-validator's own `@IsOptional()` also lets `null`
 * through, which would reach a NOT NULL column as a 500; with this the field's validators run on `null` and
 * the person gets a 400 naming it. (Documentation generators read it as optional, like `IsOptional`.)
 */
export function Optional(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}

/**
 * Several property decorators as one, applied as if written in this order above the property, so a field's rules
 * are written once and shared by the create and the update DTO: `@Optional() @NameField() name?: string`.
 */
export function Field(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => {
    for (const decorate of [...decorators].reverse()) decorate(target, key);
  };
}
