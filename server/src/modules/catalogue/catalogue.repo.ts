import type { CreateServiceCategoryDto, UpdateServiceCategoryDto } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { ServiceCategory } from './service-category.entity';

/**
 * The catalogue's data access (服务清单, table service_category): TypeORM's repository, and one raw insert whose
 * `ON CONFLICT DO NOTHING` tells a taken code or name from a new one without an error.
 */

/**
 * shared's `skillFits` in SQL, the one rule of who may take a service skill-wise, for the task hall and the
 * candidates: a general service anyone, a qualified one those whose `skills` contain its code. `kind` and `code`
 * are SQL expressions (a column, a parameter); the skill test keeps the form `skills @> ARRAY[code]` that the GIN
 * index over (place, skills) answers (AddDutySkillsByPlaceIndex).
 */
export function skillFitsSql(kind: string, code: string, skills: string): string {
  return `(${kind} = 'general' OR ${skills} @> ARRAY[${code}]::text[])`;
}

/**
 * The skill a walk through duty_skill_spot looks under (AddDutySkillSpots, AddOffersAndServiceKinds): the
 * service's own code when it is qualified; '*', a row every on-duty located volunteer has, when it is general.
 */
export const ANY_SKILL = '*';
export function walkSkill(kind: string, code: string): string {
  return kind === 'general' ? ANY_SKILL : code;
}

/** How many of these codes are services of the catalogue (active or not). */
export async function countKnownCategories(m: EntityManager, codes: readonly string[]): Promise<number> {
  return m
    .getRepository(ServiceCategory)
    .createQueryBuilder('c')
    .where('c.code IN (:...codes)', { codes: [...codes] })
    .getCount();
}

/** The services in the catalogue's order; only the active ones unless `all`. */
export async function listCategories(m: EntityManager, { all }: { all: boolean }): Promise<ServiceCategory[]> {
  return m.getRepository(ServiceCategory).find({ where: all ? {} : { active: true }, order: { sortOrder: 'ASC', code: 'ASC' } });
}

/** Adds the service; false when its code or name is taken. */
export async function insertCategory(m: EntityManager, c: CreateServiceCategoryDto): Promise<boolean> {
  const inserted = await m.query<Array<{ code: string }>>(
    `INSERT INTO service_category (code, name, color, icon, accept_minutes_normal, accept_minutes_urgent, multi_person, sort_order, kind)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING code`,
    [c.code, c.name, c.color, c.icon, c.acceptMinutesNormal, c.acceptMinutesUrgent, c.multiPerson ?? false, c.sortOrder ?? 0, c.kind ?? 'qualified'],
  );
  return inserted.length > 0;
}

/** The service of that code, null when there is none; `lock` holds it until the transaction ends. */
export async function findCategory(m: EntityManager, code: string, { lock = false } = {}): Promise<ServiceCategory | null> {
  return m.getRepository(ServiceCategory).findOne({ where: { code }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
}

/** The service of a code known to exist. */
export async function getCategory(m: EntityManager, code: string): Promise<ServiceCategory> {
  return m.getRepository(ServiceCategory).findOneByOrFail({ code });
}

export async function isCategoryNameTaken(m: EntityManager, name: string): Promise<boolean> {
  return m.getRepository(ServiceCategory).existsBy({ name });
}

export async function updateCategory(m: EntityManager, code: string, patch: UpdateServiceCategoryDto): Promise<void> {
  await m.getRepository(ServiceCategory).update({ code }, { ...patch });
}
