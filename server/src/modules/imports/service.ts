import {
  CreateUserDto,
  EXAMPLE_MARK,
  IMPORT_COLUMNS,
  IMPORT_KIND_NAMES,
  MAX_FAMILY_CONTACTS,
  maskIdCard,
  validateDto,
  type ErrorDetail,
  type ImportKind,
  type ImportResultDto,
  type Role,
} from '@bangbang/shared';
import type { DataSource, EntityManager } from 'typeorm';
import { sqlState } from '../../db/errors';
import { AppError, ConflictError, ForbiddenError, ValidationFailedError } from '../../errors';
import { covers, isStaff, jurisdictionOf, type Jurisdiction } from '../access/jurisdiction';
import type { Actor } from '../auth/actor';
import { recordAudit, type AuditContext } from '../audit/service';
import { checkMayChange, checkReachable } from '../users/service';
import {
  catalogue,
  contactsOf,
  insertPeople,
  peopleByKeys,
  placesOfPhones,
  placesWithin,
  updatePeople,
  upsertContacts,
  type ContactRow,
  type NewContact,
  type PersonRow,
  type PersonValues,
} from './imports.repo';
import { PlaceIndex, columnOfField, isFamilyHeader, parseRow, type RowFields } from './rows';
import { buildTemplate } from './template';
import { loadWorkbook, readSheet, type SheetSpec } from './workbook';

/**
 * 导入台账 (issue 21, item 2): residents, volunteers and grid workers from a workbook. Every row is checked with the
 * rules of registering a person (the shared CreateUserDto, who may grant which role, who must be reachable how, the
 * importer's jurisdiction); every problem is answered at once as (row, column, message), and then nothing is
 * imported. A person already registered — found by phone, or by ID-card number for a row without one — is updated
 * rather than registered twice, so importing the same file again changes nothing.
 */

const PHONE_COLUMNS = new Set(['手机号', '身份证号', '固定电话', '包联干部手机号', ...[1, 2, 3, 4, 5].map((n) => `家属${n}手机`)]);

function specOf(kind: ImportKind, maxRows: number): SheetSpec {
  const columns = IMPORT_COLUMNS[kind];
  return {
    preferredSheet: IMPORT_KIND_NAMES[kind],
    headers: columns.map((c) => c.header),
    required: columns.filter((c) => c.required).map((c) => c.header),
    alsoAccepted: kind === 'residents' ? isFamilyHeader : undefined,
    digitColumns: PHONE_COLUMNS,
    maxRows,
  };
}

/** The place every imported person lies under (the audit row's subject): the deepest common ancestor of their paths. */
function commonPlace(paths: readonly string[]): string | undefined {
  let common: string[] | undefined;
  for (const path of paths) {
    const ids = path.split('/').filter(Boolean);
    if (common === undefined) common = ids;
    else {
      let i = 0;
      while (i < common.length && common[i] === ids[i]) i++;
      common = common.slice(0, i);
    }
  }
  return common?.at(-1);
}

/** A landline standing in for the way a registered person is already reached (never stored). */
const KNOWN_WAY = '0000-0000000';

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join('|') === [...b].sort().join('|');

/** One row's outcome once checked: a new person, a change of one, or nothing to do. */
type Plan =
  | { kind: 'create'; row: number; values: PersonValues; path: string; family: RowFields['family'] }
  | { kind: 'update'; row: number; id: string; values: PersonValues; path: string; changed: boolean; family: RowFields['family'] }
  | { kind: 'unchanged'; row: number };

export interface ImportServiceDeps {
  db: DataSource;
  maxRows: number;
}

export function createImportService({ db, maxRows }: ImportServiceDeps) {
  function mayImport(actor: Actor, kind: ImportKind): void {
    if (!isStaff(actor)) throw new ForbiddenError('只有管理员、调度员和网格员可以导入台账。');
    if (kind !== 'residents' && !actor.roles.includes('admin') && !actor.roles.includes('dispatcher')) {
      throw new ForbiddenError('网格员只能导入居民台账；志愿者、网格员名单由调度员或管理员导入。');
    }
  }

  /**
   * Checks every row against what the database holds and plans each one; the problems of all rows, or the plans.
   * Runs inside the import's transaction, with the people it will change locked.
   */
  async function plan(m: EntityManager, actor: Actor, kind: ImportKind, rows: ReturnType<typeof readSheet>['rows'], j: Jurisdiction) {
    const problems: ErrorDetail[] = [];
    // the columns of each row already found wrong (a rule of the DTO is not told again of a cell already told)
    const wrongColumns = new Map<number, Set<string>>();
    const add = (d: ErrorDetail) => {
      problems.push(d);
      const columns = wrongColumns.get(d.row!);
      if (columns) columns.add(d.column!);
      else wrongColumns.set(d.row!, new Set([d.column!]));
    };
    const problem = (row: number, column: string, message: string) => add({ field: `第${row}行 ${column}`, row, column, message });

    const places = new PlaceIndex(await placesWithin(m, j));
    const categories = new Map<string, string>();
    for (const c of await catalogue(m)) {
      categories.set(c.code, c.code);
      categories.set(c.name, c.code);
    }

    // the rows' own cells, and the keys that identify people across rows
    const parsed: Array<{ row: number; fields: RowFields; unreadable: ReadonlySet<string> }> = [];
    const firstRowOf = { phone: new Map<string, number>(), idCard: new Map<string, number>() };
    for (const sheetRow of rows) {
      if (sheetRow.cells.get('姓名')?.startsWith(EXAMPLE_MARK)) continue;
      const { fields, problems: own } = parseRow(sheetRow, { kind, places, categories });
      own.forEach(add);
      const row = sheetRow.row;
      for (const [key, column] of [
        ['phone', '手机号'],
        ['idCard', '身份证号'],
      ] as const) {
        const value = fields[key];
        if (value === undefined) continue;
        const before = firstRowOf[key].get(value);
        if (before !== undefined) problem(row, column, `与第 ${before} 行的${column}重复（同一个人只能出现一次）`);
        else firstRowOf[key].set(value, row);
      }
      if (fields.phone === undefined && fields.idCard === undefined && !sheetRow.unreadable.has('手机号') && !sheetRow.unreadable.has('身份证号')) {
        problem(row, '手机号', '请填写手机号或身份证号（至少一个）：再次导入时用它找到本人并更新，不会重复登记');
      }
      parsed.push({ row, fields, unreadable: sheetRow.unreadable });
    }

    const phones = [...firstRowOf.phone.keys()];
    const idCards = [...firstRowOf.idCard.keys()];
    const people = await peopleByKeys(m, phones, idCards);
    const byPhone = new Map<string, PersonRow>();
    const byIdCard = new Map<string, PersonRow>();
    for (const p of people) {
      if (p.phone !== null) byPhone.set(p.phone, p);
      if (p.id_card !== null) byIdCard.set(p.id_card, p);
    }
    const cadrePhones = [...new Set(parsed.flatMap((p) => (p.fields.cadrePhone !== undefined ? [p.fields.cadrePhone] : [])))];
    const cadres = new Map((await placesOfPhones(m, cadrePhones)).map((c) => [c.phone, c]));
    const contacts = new Map<string, ContactRow[]>();
    for (const c of await contactsOf(
      m,
      people.map((p) => p.id),
    )) {
      const list = contacts.get(c.resident_id);
      if (list) list.push(c);
      else contacts.set(c.resident_id, [c]);
    }

    const plans: Plan[] = [];
    for (const { row, fields } of parsed) {
      const before = problems.length;
      const columnsWithProblems = new Set(wrongColumns.get(row));

      // who this row is: found by phone, else by ID-card number
      const p = fields.phone !== undefined ? byPhone.get(fields.phone) : undefined;
      const q = fields.idCard !== undefined ? byIdCard.get(fields.idCard) : undefined;
      let match: PersonRow | undefined = p ?? q;
      let keyColumn = p !== undefined || q === undefined ? '手机号' : '身份证号';
      if (p && q && p.id !== q.id) {
        problem(row, '身份证号', '这个身份证号已登记在另一位人员名下（与手机号对应的不是同一人）');
        match = undefined;
      } else if (p && p.id_card !== null && fields.idCard !== undefined && p.id_card !== fields.idCard) {
        problem(row, '身份证号', `与这个手机号已登记的身份证号（${maskIdCard(p.id_card)}）不一致`);
      } else if (!p && q && q.phone !== null && fields.phone !== undefined) {
        problem(row, '身份证号', '这个身份证号已登记在另一个手机号名下；更换手机号须本人在“我的”页面验证');
        keyColumn = '身份证号';
      }
      if (match && match.phone === null && match.wechat_openid !== null && fields.phone !== undefined) {
        // they log in with WeChat: their phone is theirs to bind, verified (as staff may not change it on the screen)
        problem(row, '手机号', '这位人员用微信登录，手机号须由本人在“我的”页面绑定；请把手机号这一格留空');
      }
      if (match && !covers(j, match.path)) {
        problem(row, keyColumn, `这个${keyColumn}已登记为您管辖范围以外的人员，不能在此导入`);
        match = undefined;
      }

      // the roles this row grants, then the person it changes (the people list's rules: no self-promotion)
      try {
        checkMayChange(actor, null, fields.roles);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        problem(row, '角色', err.message.replace(/。$/, ''));
      }
      const roles: Role[] = match ? [...new Set([...match.roles, ...fields.roles])] : fields.roles;
      if (match) {
        try {
          checkMayChange(actor, { id: match.id, roles: match.roles } as Parameters<typeof checkMayChange>[1], roles);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          problem(row, keyColumn, `${keyColumn}对应的人员「${match.name}」：${err.message.replace(/。$/, '')}`);
        }
      }

      // 包联干部: a person inside the jurisdiction (as registering one checks)
      let pairedCadreId: string | undefined;
      if (fields.cadrePhone !== undefined) {
        const cadre = cadres.get(fields.cadrePhone);
        if (!cadre || !covers(j, cadre.path)) problem(row, '包联干部手机号', '找不到这个手机号的包联干部（须已登记、在您的管辖范围内）');
        else pairedCadreId = cadre.id;
      }

      // the person as they will be, checked with the shared DTO of registering one, and with who must be reachable how
      const existing = match;
      const known = existing ? (contacts.get(existing.id) ?? []) : [];
      const plain: Record<string, unknown> = {
        name: fields.name ?? existing?.name,
        roles,
        regionId: fields.regionId ?? existing?.region_id ?? undefined,
      };
      const phone = existing?.phone ?? fields.phone;
      if (phone !== undefined && phone !== null) plain.phone = phone;
      const landline = fields.landline ?? existing?.landline;
      if (landline !== undefined && landline !== null) plain.landline = landline;
      if (fields.address !== undefined) plain.address = fields.address;
      if (fields.tags !== undefined) plain.tags = fields.tags;
      if (fields.skills !== undefined) plain.skills = fields.skills;
      if (fields.partyMember !== undefined) plain.partyMember = fields.partyMember;
      if (fields.employedPartyMember !== undefined) plain.employedPartyMember = fields.employedPartyMember;
      if (fields.family.length > 0) plain.familyContacts = fields.family.map((c) => ({ name: c.name, relation: c.relation, phone: c.phone }));
      if (fields.regionId === undefined) plain.regionId = '00000000-0000-0000-0000-000000000000'; // reported above
      const checked = validateDto(CreateUserDto, plain);
      if (!checked.ok) {
        for (const d of checked.details) {
          const column = columnOfField(d.field, fields.family) ?? '姓名';
          if (!columnsWithProblems.has(column)) problem(row, column, d.message);
        }
      } else if (problems.length === before) {
        // a new person needs a way to be reached (a staff role: their own mobile), as registering one on the screen;
        // someone registered already is reachable as they are (by WeChat, by the contacts on file), so for them only
        // the other rules of contacts apply: checked with a way of theirs stood in for
        const reachable = existing !== undefined && !checked.value.phone && !checked.value.landline && (existing.wechat_openid !== null || known.length > 0);
        try {
          checkReachable(reachable ? { ...checked.value, landline: KNOWN_WAY } : checked.value);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          const field = err.details?.[0]?.field ?? 'phone';
          problem(row, columnOfField(field, fields.family) ?? '手机号', err.details?.[0]?.message ?? err.message);
        }
      }
      const newContacts = fields.family.filter((c) => !known.some((k) => k.phone === c.phone));
      if (known.length + newContacts.length > MAX_FAMILY_CONTACTS) {
        problem(row, '家属1姓名', `每位居民最多 ${MAX_FAMILY_CONTACTS} 位家属联系人（已登记 ${known.length} 位）`);
      }
      if (problems.length > before) continue;

      const values: PersonValues = {
        name: fields.name!,
        phone: existing?.phone ?? fields.phone ?? null,
        landline: fields.landline ?? existing?.landline ?? null,
        idCard: existing?.id_card ?? fields.idCard ?? null,
        roles,
        regionId: fields.regionId!,
        skills: fields.skills ?? existing?.skills ?? [],
        partyMember: fields.partyMember ?? existing?.party_member ?? false,
        employedPartyMember: fields.employedPartyMember ?? existing?.employed_party_member ?? false,
        address: fields.address ?? existing?.address ?? null,
        tags: fields.tags ?? existing?.tags ?? [],
        pairedCadreId: pairedCadreId ?? existing?.paired_cadre_id ?? null,
        roster: fields.roster ?? existing?.roster ?? null,
      };
      if (!existing) {
        plans.push({ kind: 'create', row, values, path: fields.regionPath!, family: fields.family });
        continue;
      }
      const family = fields.family.filter((c) => !known.some((k) => k.phone === c.phone && k.name === c.name && k.relation === c.relation));
      const changed =
        values.name !== existing.name ||
        values.phone !== existing.phone ||
        values.landline !== existing.landline ||
        values.idCard !== existing.id_card ||
        !sameList(values.roles, existing.roles) ||
        values.regionId !== existing.region_id ||
        !sameList(values.skills, existing.skills) ||
        values.partyMember !== existing.party_member ||
        values.employedPartyMember !== existing.employed_party_member ||
        values.address !== existing.address ||
        !sameList(values.tags, existing.tags) ||
        values.pairedCadreId !== existing.paired_cadre_id ||
        JSON.stringify(values.roster) !== JSON.stringify(existing.roster);
      if (!changed && family.length === 0) plans.push({ kind: 'unchanged', row });
      else plans.push({ kind: 'update', row, id: existing.id, values, path: fields.regionPath!, changed, family });
    }
    // a cell that could not be read is told once (as it is), not again as missing or wrong
    const unreadable = new Map(parsed.map((p) => [p.row, p.unreadable]));
    return { problems: problems.filter((p) => !(unreadable.get(p.row!)?.has(p.column!) ?? false)), plans };
  }

  return {
    /** The kind's template: headers, one example row, 填写说明, and the places and services to choose from. */
    async template(actor: Actor, kind: ImportKind): Promise<Buffer> {
      mayImport(actor, kind);
      const j = jurisdictionOf(actor);
      const [places, services] = await Promise.all([placesWithin(db.manager, j), catalogue(db.manager)]);
      return buildTemplate(kind, places, services);
    },

    /**
     * Imports the workbook (or with `dryRun` only checks it): 400 with every problem as (row, column, message) and
     * nothing imported, or the counts. One transaction; one audit row.
     */
    async import(actor: Actor, kind: ImportKind, file: Buffer, dryRun: boolean, ctx: AuditContext): Promise<ImportResultDto> {
      mayImport(actor, kind);
      const workbook = await loadWorkbook(file);
      const sheet = readSheet(workbook, specOf(kind, maxRows));
      const j = jurisdictionOf(actor);
      try {
        return await db.transaction(async (m) => {
          const { problems, plans } = await plan(m, actor, kind, sheet.rows, j);
          problems.push(...sheet.cellProblems);
          if (plans.length === 0 && problems.length === 0)
            throw new ValidationFailedError(`工作表「${sheet.name}」只有示例行，没有要导入的数据。`, [{ field: 'file', message: '没有要导入的数据' }]);
          if (problems.length > 0) {
            problems.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
            const first = problems[0]!;
            throw new ValidationFailedError(
              `共有 ${problems.length} 处错误，没有导入任何数据。第 ${first.row} 行「${first.column}」：${first.message}`.replace(/[。]?$/, '。'),
              problems,
            );
          }
          const creates = plans.filter((p) => p.kind === 'create');
          const updates = plans.filter((p) => p.kind === 'update');
          const result: ImportResultDto = {
            kind,
            dryRun,
            rows: plans.length,
            created: creates.length,
            updated: updates.length,
            unchanged: plans.length - creates.length - updates.length,
            sheet: sheet.name,
          };
          if (dryRun) return result;

          const ids = await insertPeople(
            m,
            creates.map((c) => c.values),
          );
          const idOf = new Map<string, string>();
          for (const r of ids) idOf.set(r.phone ?? `id:${r.id_card}`, r.id);
          await updatePeople(
            m,
            updates.filter((u) => u.changed).map((u) => ({ ...u.values, id: u.id })),
          );
          const contacts: NewContact[] = [];
          for (const c of creates) {
            const id = idOf.get(c.values.phone ?? `id:${c.values.idCard}`)!;
            for (const f of c.family) contacts.push({ residentId: id, name: f.name, relation: f.relation, phone: f.phone });
          }
          for (const u of updates) for (const f of u.family) contacts.push({ residentId: u.id, name: f.name, relation: f.relation, phone: f.phone });
          await upsertContacts(m, contacts);

          const place = commonPlace(plans.flatMap((p) => (p.kind === 'unchanged' ? [] : [p.path])));
          await recordAudit(m, actor.id, ctx, {
            action: 'people.import',
            subjectType: 'region',
            subjectId: place ?? actor.regionId ?? 'all',
            before: null,
            after: { kind, sheet: sheet.name, rows: result.rows, created: result.created, updated: result.updated, unchanged: result.unchanged },
          });
          return result;
        });
      } catch (err) {
        // someone registered one of these phones or ID-card numbers while the import ran (the unique indexes decide)
        if (sqlState(err) === '23505') throw new ConflictError('导入期间有人登记了文件中的手机号或身份证号，没有导入任何数据；请重新导入。');
        throw err;
      }
    },
  };
}

export type ImportService = ReturnType<typeof createImportService>;
