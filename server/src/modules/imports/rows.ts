import {
  FAMILY_RELATION_NAMES,
  FAMILY_RELATIONS,
  LEDGER_TAG_NAMES,
  LEDGER_TAGS,
  MAX_FAMILY_CONTACTS,
  ROLES,
  RosterDto,
  idCardProblem,
  isValidSlot,
  validateDto,
  type ErrorDetail,
  type FamilyRelation,
  type ImportKind,
  type LedgerTag,
  type Role,
  type RosterSlot,
} from '@bangbang/shared';
import { UUID_PATTERN } from '../../errors';
import type { PlaceRow } from './imports.repo';
import type { SheetRow } from './workbook';

/**
 * A row of a workbook turned into a person's fields (the shape of CreateUserDto, with the place, skills, tags and
 * roles written in words resolved to their ids and codes), or the problems of its cells. Pure: what the database
 * knows (places, the catalogue) is handed in.
 */

export const ROLE_OF_KIND: Record<ImportKind, Role> = { residents: 'resident', volunteers: 'volunteer', 'grid-workers': 'grid_worker' };

const ROLE_WORDS: Record<string, Role> = {
  居民: 'resident',
  群众: 'resident',
  志愿者: 'volunteer',
  网格员: 'grid_worker',
  调度员: 'dispatcher',
  管理员: 'admin',
};

const TAG_WORDS = new Map<string, LedgerTag>();
for (const tag of LEDGER_TAGS) {
  TAG_WORDS.set(tag, tag);
  TAG_WORDS.set(LEDGER_TAG_NAMES[tag], tag);
  for (const part of LEDGER_TAG_NAMES[tag].split('/')) TAG_WORDS.set(part, tag);
}
TAG_WORDS.set('低保', 'low_income');
TAG_WORDS.set('困难户', 'low_income');

const RELATION_WORDS = new Map<string, FamilyRelation>();
for (const r of FAMILY_RELATIONS) {
  RELATION_WORDS.set(r, r);
  RELATION_WORDS.set(FAMILY_RELATION_NAMES[r], r);
}
for (const w of ['儿子', '女儿', '儿女', '子', '女']) RELATION_WORDS.set(w, 'child');
for (const w of ['丈夫', '妻子', '老伴', '爱人']) RELATION_WORDS.set(w, 'spouse');
for (const w of ['亲戚', '孙子', '孙女', '兄弟', '姐妹', '侄子', '侄女', '外甥', '外甥女']) RELATION_WORDS.set(w, 'relative');

const YES = new Set(['是', '√', '✓', 'Y', 'y', 'yes', 'YES', 'true', 'TRUE', '1', '党员']);
const NO = new Set(['否', '×', '✗', 'N', 'n', 'no', 'NO', 'false', 'FALSE', '0', '不是']);

/** Words in a cell listed with 、 , ， ; ； or spaces. */
function list(text: string): string[] {
  return text.split(/[、,，;；\s]+/).filter((w) => w !== '');
}

// ---------- places ----------

/** Finds a place written as its name, its path of names (「某社区/第一网格」) or its id, among the places given. */
export class PlaceIndex {
  private readonly byName = new Map<string, PlaceRow[]>();
  private readonly byId = new Map<string, PlaceRow>();

  constructor(readonly places: readonly PlaceRow[]) {
    for (const p of places) {
      this.byId.set(p.id, p);
      const same = this.byName.get(p.name);
      if (same) same.push(p);
      else this.byName.set(p.name, [p]);
    }
  }

  /** The full name of a place, 「旗县 › 街道 › 社区 › 网格」 (the city is left out: everyone shares it). */
  static label(p: PlaceRow): string {
    return (p.path_names.length > 2 ? p.path_names.slice(1) : p.path_names).join('/');
  }

  resolve(text: string): { place: PlaceRow } | { problem: string } {
    if (UUID_PATTERN.test(text)) {
      const p = this.byId.get(text.toLowerCase());
      return p ? { place: p } : { problem: `找不到编号为 ${text} 的社区/网格（或不在您的管辖范围内）` };
    }
    const parts = text
      .split(/\s*[/／>＞›»\\]\s*/)
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const last = parts.at(-1);
    if (last === undefined) return { problem: '请填写所属网格' };
    const found = (this.byName.get(last) ?? []).filter((p) => {
      // the names written must be the place's own ancestors, in order, ending at it
      const names = p.path_names;
      return parts.every((name, i) => names[names.length - parts.length + i] === name);
    });
    if (found.length === 1) return { place: found[0]! };
    if (found.length === 0) return { problem: `找不到「${text}」：须为您管辖范围内的社区/村或网格的名称（见“地区列表”）` };
    const shown = found
      .slice(0, 3)
      .map((p) => `「${PlaceIndex.label(p)}」`)
      .join('、');
    return { problem: `「${text}」有 ${found.length} 处重名（${shown}${found.length > 3 ? '等' : ''}），请写出上级，如「${PlaceIndex.label(found[0]!)}」` };
  }
}

// ---------- 可服务时间 ----------

const DAY = '(?:周|星期|礼拜)?([一二三四五六日天1-7])';
const DAY_NUMBER: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7 };

function weekdayOf(ch: string): number {
  return DAY_NUMBER[ch] ?? Number(ch);
}

function daysOf(text: string): number[] | undefined {
  const t = text.replace(/\s+/g, '');
  if (t === '' || t === '每天' || t === '每日' || t === '全周' || t === '周一至周日') return [1, 2, 3, 4, 5, 6, 7];
  if (t === '工作日') return [1, 2, 3, 4, 5];
  if (t === '周末' || t === '双休日') return [6, 7];
  const range = new RegExp(`^${DAY}[至到~～\\-—]${DAY}$`).exec(t);
  if (range) {
    const from = weekdayOf(range[1]!);
    const to = weekdayOf(range[2]!);
    if (from > to) return undefined;
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  }
  const days: number[] = [];
  for (const part of t.split(/[、,，和]/)) {
    const one = new RegExp(`^${DAY}$`).exec(part);
    if (!one) return undefined;
    days.push(weekdayOf(one[1]!));
  }
  return days;
}

function hhmm(text: string): string {
  const [h, m] = text.replace('：', ':').split(':');
  return `${(h ?? '').padStart(2, '0')}:${m ?? ''}`;
}

/**
 * 「周一至周五 08:00-12:00；周六 14:00-18:00」 → roster slots. The slots are then checked with RosterDto, the rule of
 * setting a roster on the screen.
 */
export function parseRoster(text: string): { slots: RosterSlot[] } | { problem: string } {
  const slots: RosterSlot[] = [];
  for (const segment of text.split(/[；;\n]+/).map((s) => s.trim())) {
    if (segment === '') continue;
    const m = /^(.*?)\s*(\d{1,2}[:：]\d{2})\s*[-~～—至到]\s*(\d{1,2}[:：]\d{2})$/.exec(segment);
    const days = m ? daysOf(m[1]!) : undefined;
    if (!m || !days) return { problem: `看不懂「${segment}」：请写成「周一至周五 08:00-12:00」，多个时段用「；」分隔` };
    for (const weekday of days) {
      const slot = { weekday, start: hhmm(m[2]!), end: hhmm(m[3]!) };
      if (!isValidSlot(slot)) return { problem: `「${segment}」的结束时间须晚于开始时间（跨夜请分成两段）` };
      slots.push(slot);
    }
  }
  const checked = validateDto(RosterDto, { slots });
  if (!checked.ok) return { problem: checked.details[0]?.message.includes('最多') ? '值班时段太多（最多 50 段）' : '时间须为 HH:MM 格式，如 08:00' };
  return { slots };
}

// ---------- a row ----------

/** What a row asks for: CreateUserDto's fields, plus the ID-card number and roster, and where each came from. */
export interface RowFields {
  name?: string;
  phone?: string;
  landline?: string;
  idCard?: string;
  regionId?: string;
  regionPath?: string;
  address?: string;
  tags?: LedgerTag[];
  skills?: string[];
  partyMember?: boolean;
  employedPartyMember?: boolean;
  cadrePhone?: string;
  roster?: RosterSlot[];
  /** Always holds the kind's own role. */
  roles: Role[];
  /** The contacts filled in, with the number of their columns (家属2 → 2). */
  family: Array<{ n: number; name: string; relation: FamilyRelation; phone: string }>;
}

export interface RowContext {
  kind: ImportKind;
  places: PlaceIndex;
  /** Service code by its code and by its name. */
  categories: Map<string, string>;
}

/** The column a field of CreateUserDto is written in (for the messages of the shared DTO's rules). */
export function columnOfField(field: string, family: RowFields['family']): string | undefined {
  const contact = /^familyContacts\[(\d+)\]\.(name|relation|phone)$/.exec(field);
  if (contact) {
    const n = family[Number(contact[1])]?.n ?? 1;
    return `家属${n}${contact[2] === 'name' ? '姓名' : contact[2] === 'relation' ? '关系' : '手机'}`;
  }
  const head = field.replace(/[[.].*$/, '');
  return FIELD_COLUMNS[head];
}

const FIELD_COLUMNS: Record<string, string> = {
  name: '姓名',
  phone: '手机号',
  landline: '固定电话',
  regionId: '所属网格',
  address: '住址',
  tags: '台账标签',
  skills: '技能',
  pairedCadreId: '包联干部手机号',
  roles: '角色',
  partyMember: '党员',
  employedPartyMember: '在职党员',
  familyContacts: '家属1姓名',
};

/** 家属3姓名 … 家属5手机: accepted beyond the template's two contacts. */
export function isFamilyHeader(header: string): boolean {
  const m = /^家属(\d)(姓名|关系|手机)$/.exec(header);
  return m !== null && Number(m[1]) >= 1 && Number(m[1]) <= MAX_FAMILY_CONTACTS;
}

/** The row's fields, and the problems of its cells (each naming its column). */
export function parseRow(sheetRow: SheetRow, ctx: RowContext): { fields: RowFields; problems: ErrorDetail[] } {
  const { row, cells } = sheetRow;
  const problems: ErrorDetail[] = [];
  const problem = (column: string, message: string) => problems.push({ field: `第${row}行 ${column}`, row, column, message });
  const fields: RowFields = { roles: [ROLE_OF_KIND[ctx.kind]], family: [] };
  const cell = (header: string) => cells.get(header);

  const name = cell('姓名');
  if (name === undefined) problem('姓名', '必填');
  else fields.name = name;

  const phone = cell('手机号');
  if (phone !== undefined) fields.phone = phone.replace(/[\s-]/g, '');

  const idCard = cell('身份证号');
  if (idCard !== undefined) {
    const normal = idCard.replace(/\s/g, '').toUpperCase();
    const wrong = idCardProblem(normal);
    if (wrong) problem('身份证号', wrong);
    else fields.idCard = normal;
  }

  const landline = cell('固定电话');
  if (landline !== undefined) fields.landline = landline.replace(/\s/g, '');

  const place = cell('所属网格');
  if (place === undefined) problem('所属网格', '必填');
  else {
    const found = ctx.places.resolve(place);
    if ('problem' in found) problem('所属网格', found.problem);
    else {
      fields.regionId = found.place.id;
      fields.regionPath = found.place.path;
    }
  }

  const address = cell('住址');
  if (address !== undefined) fields.address = address;

  const tags = cell('台账标签');
  if (tags !== undefined) {
    const words = list(tags);
    const unknown = words.filter((w) => !TAG_WORDS.has(w));
    if (unknown.length > 0) problem('台账标签', `「${unknown.join('、')}」不是台账标签；可选：${LEDGER_TAGS.map((t) => LEDGER_TAG_NAMES[t]).join('、')}`);
    else fields.tags = [...new Set(words.map((w) => TAG_WORDS.get(w)!))];
  }

  const skills = cell('技能');
  if (skills !== undefined) {
    const words = list(skills);
    const unknown = words.filter((w) => !ctx.categories.has(w));
    if (unknown.length > 0) problem('技能', `「${unknown.join('、')}」不在服务目录中（见“服务目录”，写服务名称或编码）`);
    else fields.skills = [...new Set(words.map((w) => ctx.categories.get(w)!))];
  }

  const roster = cell('可服务时间');
  if (roster !== undefined) {
    const parsed = parseRoster(roster);
    if ('problem' in parsed) problem('可服务时间', parsed.problem);
    else fields.roster = parsed.slots;
  }

  for (const [header, key] of [
    ['党员', 'partyMember'],
    ['在职党员', 'employedPartyMember'],
  ] as const) {
    const v = cell(header);
    if (v === undefined) continue;
    if (YES.has(v)) fields[key] = true;
    else if (NO.has(v)) fields[key] = false;
    else problem(header, '请填「是」或「否」');
  }

  const cadre = cell('包联干部手机号');
  if (cadre !== undefined) fields.cadrePhone = cadre.replace(/[\s-]/g, '');

  const roles = cell('角色');
  if (roles !== undefined) {
    const words = list(roles);
    const unknown = words.filter((w) => ROLE_WORDS[w] === undefined && !(ROLES as readonly string[]).includes(w));
    if (unknown.length > 0) problem('角色', `「${unknown.join('、')}」不是角色；可选：居民、志愿者、网格员、调度员`);
    else for (const w of words) fields.roles.push(ROLE_WORDS[w] ?? (w as Role));
    fields.roles = [...new Set(fields.roles)];
  }

  for (let n = 1; n <= MAX_FAMILY_CONTACTS; n++) {
    const cName = cell(`家属${n}姓名`);
    const cRelation = cell(`家属${n}关系`);
    const cPhone = cell(`家属${n}手机`);
    if (cName === undefined && cRelation === undefined && cPhone === undefined) continue;
    if (cName === undefined) problem(`家属${n}姓名`, `填了家属${n}的关系或手机，请同时填写家属${n}姓名`);
    if (cPhone === undefined) problem(`家属${n}手机`, `填了家属${n}，请同时填写家属${n}手机（家属用它登录）`);
    let relation: FamilyRelation = 'other';
    if (cRelation !== undefined) {
      const r = RELATION_WORDS.get(cRelation);
      if (r === undefined) problem(`家属${n}关系`, '关系须为 子女、配偶、监护人、亲属 或 其他');
      else relation = r;
    }
    if (cName !== undefined && cPhone !== undefined) fields.family.push({ n, name: cName, relation, phone: cPhone.replace(/[\s-]/g, '') });
  }
  return { fields, problems };
}
