import { IsIn } from 'class-validator';
import { API_PREFIX } from './api';
import { Optional } from './validation';

/**
 * 导入台账 (issue 21, item 2): staff keep their ledgers in Excel; residents, volunteers and grid workers come in from a
 * workbook made from the template (Chinese headers), every row checked with the rules of registering a person.
 */

export const IMPORT_KINDS = ['residents', 'volunteers', 'grid-workers'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export const IMPORT_KIND_NAMES: Record<ImportKind, string> = {
  residents: '居民台账',
  volunteers: '志愿者',
  'grid-workers': '网格员',
};

export const IMPORTS_PATH = `${API_PREFIX}/imports`;

/** `POST` a workbook here (multipart, field `file`); `?dryRun=true` only checks it. */
export function importPath(kind: ImportKind): string {
  return `${IMPORTS_PATH}/${kind}`;
}

/** `GET` the kind's template (.xlsx) here. */
export function importTemplatePath(kind: ImportKind): string {
  return `${IMPORTS_PATH}/${kind}/template`;
}

/** The form field that carries the workbook. */
export const IMPORT_FILE_FIELD = 'file';

export class ImportQuery {
  /** `true`: check every row and answer what would happen, change nothing (先检查). */
  @Optional()
  @IsIn(['true', 'false'], { message: '「先检查」须为是或否' })
  dryRun?: 'true' | 'false';
}

/** What an import did (or, with dryRun, would do): every row is one of created, updated, unchanged. */
export interface ImportResultDto {
  kind: ImportKind;
  dryRun: boolean;
  /** The data rows read (example and blank rows are not counted). */
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  /** The worksheet read (the one named after the kind, else the first). */
  sheet: string;
}

/**
 * A wrong workbook is answered 400 in the error contract; each of its `details` is one problem: `row` is Excel's row
 * number (the header is row 1), `column` the Chinese header; a problem of the file as a whole has neither.
 */

// ---------- columns ----------

/** A column of a template: its header, whether every row must fill it, and the rule told in 填写说明. */
export interface ImportColumn {
  header: string;
  required: boolean;
  rule: string;
  /** What the example row shows. */
  example: string;
}

const NAME: ImportColumn = { header: '姓名', required: true, rule: '1 到 40 个字', example: '示例：张桂兰' };
const PHONE_RESIDENT: ImportColumn = {
  header: '手机号',
  required: false,
  rule: '11 位手机号。再次导入时按手机号找到本人并更新；没有手机的居民填身份证号（两者至少填一个）',
  example: '13800000001',
};
const PHONE_STAFF: ImportColumn = {
  header: '手机号',
  required: true,
  rule: '11 位手机号（本人用它登录）。再次导入时按手机号找到本人并更新',
  example: '13800000002',
};
const ID_CARD: ImportColumn = {
  header: '身份证号',
  required: false,
  rule: '18 位居民身份证号（末位可为 X），校验码须正确；请以文本格式填写。系统中只显示为 1501**********1234',
  example: '',
};
const LANDLINE: ImportColumn = { header: '固定电话', required: false, rule: '区号加 7 到 8 位号码，如 0471-1234567', example: '0471-1234567' };
const PLACE: ImportColumn = {
  header: '所属网格',
  required: true,
  rule: '您管辖范围内的网格或社区/村：写名称（重名时写出上级，如「某社区/第一网格」），或地区编号。可选的地区见「地区列表」',
  example: '',
};
const ADDRESS: ImportColumn = { header: '住址', required: false, rule: '最多 200 个字', example: '幸福小区 3 号楼 2 单元 501' };
const ROLES_COLUMN = (own: string): ImportColumn => ({
  header: '角色',
  required: false,
  rule: `不填即为「${own}」；可再加角色，用「、」分隔：居民、志愿者、网格员、调度员（只能授予低于自己的角色）`,
  example: '',
});
const TAGS: ImportColumn = {
  header: '台账标签',
  required: false,
  rule: '用「、」分隔：独居老人、空巢老人、高龄老人、残疾人、低保户（或 困难群众）、留守儿童、单亲贫困母亲、重病患者',
  example: '独居老人、低保户',
};
const CADRE: ImportColumn = { header: '包联干部手机号', required: false, rule: '已登记、在您管辖范围内的包联干部的手机号', example: '' };
const SKILLS: ImportColumn = { header: '技能', required: false, rule: '服务目录中的服务名称或编码，用「、」分隔（见「服务目录」）', example: '' };
const ROSTER: ImportColumn = {
  header: '可服务时间',
  required: false,
  rule: '每周的值班时段，用「；」分隔，如「周一至周五 08:00-12:00；周六 14:00-18:00」或「每天 09:00-17:00」',
  example: '周一至周五 08:00-12:00；周六 14:00-18:00',
};
const YES_NO = (header: string): ImportColumn => ({ header, required: false, rule: '是 或 否（不填为否）', example: '否' });

function familyColumns(n: number): ImportColumn[] {
  return [
    { header: `家属${n}姓名`, required: false, rule: '家属（子女、监护人…）的姓名；填了姓名须同时填关系和手机', example: n === 1 ? '李明' : '' },
    { header: `家属${n}关系`, required: false, rule: '子女、配偶、监护人、亲属 或 其他', example: n === 1 ? '子女' : '' },
    { header: `家属${n}手机`, required: false, rule: '家属本人的 11 位手机号（家属用它登录，查看并确认老人的需求）', example: n === 1 ? '13900000001' : '' },
  ];
}

/** How many family contacts the residents' template has columns for (the server reads 家属1 … 家属5 if present). */
export const TEMPLATE_FAMILY_CONTACTS = 2;

export const IMPORT_COLUMNS: Record<ImportKind, readonly ImportColumn[]> = {
  residents: [NAME, PHONE_RESIDENT, ID_CARD, LANDLINE, PLACE, ADDRESS, TAGS, CADRE, ...familyColumns(1), ...familyColumns(2), ROLES_COLUMN('居民')],
  volunteers: [NAME, PHONE_STAFF, ID_CARD, PLACE, SKILLS, ROSTER, YES_NO('党员'), YES_NO('在职党员'), ADDRESS, ROLES_COLUMN('志愿者')],
  'grid-workers': [NAME, PHONE_STAFF, ID_CARD, PLACE, ROSTER, YES_NO('党员'), ADDRESS, ROLES_COLUMN('网格员')],
};

/** A row whose 姓名 starts with this is the template's example and is skipped. */
export const EXAMPLE_MARK = '示例';

// ---------- 身份证号 ----------

const ID_CARD_SHAPE = /^\d{17}[\dX]$/;
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** `110101199003070012` → true: 18 characters, a real birth date, and the check character of GB 11643. */
export function isIdCardNumber(value: string): boolean {
  if (!ID_CARD_SHAPE.test(value)) return false;
  const y = Number(value.slice(6, 10));
  const mo = Number(value.slice(10, 12));
  const d = Number(value.slice(12, 14));
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(value[i]) * (ID_WEIGHTS[i] ?? 0);
  return ID_CHECK[sum % 11] === value[17];
}

/** Why an ID-card number is refused, in words a person understands; undefined when it is valid. */
export function idCardProblem(value: string): string | undefined {
  if (!/^\d{17}[\dX]$/.test(value)) return '身份证号须为 18 位（前 17 位是数字，末位是数字或 X）';
  if (!isIdCardNumber(value)) return '身份证号不正确（出生日期或校验码不符），请核对';
  return undefined;
}

/** The only way an ID-card number is ever shown: `150102199003070012` → `1501**********0012`. */
export function maskIdCard(value: string): string {
  return value.length <= 8 ? '*'.repeat(value.length) : `${value.slice(0, 4)}${'*'.repeat(value.length - 8)}${value.slice(-4)}`;
}
