import type { FamilyRelation, LedgerTag, Role, RosterSlot } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { pathCondition, type Jurisdiction } from '../access/jurisdiction';

/**
 * 导入台账's data access: everything an import needs to check its rows is read in a few set-based queries (the
 * places, the catalogue, the people already registered with the file's phones and ID-card numbers, their family
 * contacts), and everything it changes is written in one statement per table (unnest of parallel arrays), never a
 * statement per row: 10,000 rows are a handful of round trips.
 */

type Db = Pick<EntityManager, 'query'>;

/** A place a person may belong to (a community or a grid), with its ancestors' names, top first, itself last. */
export interface PlaceRow {
  id: string;
  name: string;
  level: 'community' | 'grid';
  path: string;
  path_names: string[];
}

/** The communities and grids inside the jurisdiction. */
export async function placesWithin(m: Db, j: Jurisdiction): Promise<PlaceRow[]> {
  const params: unknown[] = [];
  const inside = pathCondition(j, 'r.path', params);
  return m.query<PlaceRow[]>(
    `SELECT r.id, r.name, r.level, r.path,
            ARRAY(SELECT a.name FROM unnest(string_to_array(trim(both '/' from r.path), '/')::uuid[]) WITH ORDINALITY AS p(id, n)
                    JOIN region a ON a.id = p.id ORDER BY p.n) AS path_names
       FROM region r WHERE r.level IN ('community', 'grid') AND ${inside}
      ORDER BY r.path`,
    params,
  );
}

export interface CategoryRow {
  code: string;
  name: string;
}

/** The service catalogue (skills are written as a service's name or code). */
export async function catalogue(m: Db): Promise<CategoryRow[]> {
  return m.query<CategoryRow[]>(`SELECT code, name FROM service_category ORDER BY name`);
}

/** A registered person as an import compares with a row. */
export interface PersonRow {
  id: string;
  name: string;
  phone: string | null;
  landline: string | null;
  id_card: string | null;
  roles: Role[];
  region_id: string | null;
  /** Their place's path; null when they have none. */
  path: string | null;
  skills: string[];
  party_member: boolean;
  employed_party_member: boolean;
  address: string | null;
  tags: LedgerTag[];
  paired_cadre_id: string | null;
  roster: RosterSlot[] | null;
  wechat_openid: string | null;
}

/**
 * The people registered with any of these phones or ID-card numbers, their rows locked until the import's
 * transaction ends (a registration or another import of the same people waits for it).
 */
export async function peopleByKeys(m: Db, phones: readonly string[], idCards: readonly string[]): Promise<PersonRow[]> {
  if (phones.length === 0 && idCards.length === 0) return [];
  return m.query<PersonRow[]>(
    `SELECT u.id, u.name, u.phone, u.landline, u.id_card, u.roles, u.region_id, r.path, u.skills, u.party_member,
            u.employed_party_member, u.address, u.tags, u.paired_cadre_id, u.roster, u.wechat_openid
       FROM app_user u LEFT JOIN region r ON r.id = u.region_id
      WHERE u.phone = ANY($1::text[]) OR u.id_card = ANY($2::text[])
      ORDER BY u.id
        FOR UPDATE OF u`,
    [[...phones], [...idCards]],
  );
}

/** People found by phone with their place's path (包联干部 named by phone). */
export async function placesOfPhones(m: Db, phones: readonly string[]): Promise<Array<{ id: string; phone: string; path: string | null }>> {
  if (phones.length === 0) return [];
  return m.query(`SELECT u.id, u.phone, r.path FROM app_user u LEFT JOIN region r ON r.id = u.region_id WHERE u.phone = ANY($1::text[])`, [[...phones]]);
}

export interface ContactRow {
  resident_id: string;
  name: string;
  relation: FamilyRelation;
  phone: string;
}

/** The family contacts of these people. */
export async function contactsOf(m: Db, ids: readonly string[]): Promise<ContactRow[]> {
  if (ids.length === 0) return [];
  return m.query<ContactRow[]>(`SELECT resident_id, name, relation, phone FROM family_contact WHERE resident_id = ANY($1::uuid[])`, [[...ids]]);
}

/** A person as an import writes them (every column an import sets). */
export interface PersonValues {
  name: string;
  phone: string | null;
  landline: string | null;
  idCard: string | null;
  roles: Role[];
  regionId: string;
  skills: string[];
  partyMember: boolean;
  employedPartyMember: boolean;
  address: string | null;
  tags: LedgerTag[];
  pairedCadreId: string | null;
  roster: RosterSlot[] | null;
}

/**
 * Arrays of arrays cannot go through unnest (PostgreSQL flattens them), so lists travel as text joined by a
 * character no role, tag or category code contains, and the roster as JSON text.
 */
const SEP = '|';
function columns(people: readonly PersonValues[]): unknown[] {
  return [
    people.map((p) => p.name),
    people.map((p) => p.phone),
    people.map((p) => p.landline),
    people.map((p) => p.idCard),
    people.map((p) => p.roles.join(SEP)),
    people.map((p) => p.regionId),
    people.map((p) => p.skills.join(SEP)),
    people.map((p) => p.partyMember),
    people.map((p) => p.employedPartyMember),
    people.map((p) => p.address),
    people.map((p) => p.tags.join(SEP)),
    people.map((p) => p.pairedCadreId),
    people.map((p) => (p.roster === null ? null : JSON.stringify(p.roster))),
  ];
}

/** The people's columns as rows; `withId`: a 14th array, their ids (an update). */
const values = (withId: boolean) =>
  `unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::text[], $8::boolean[], $9::boolean[],
          $10::text[], $11::text[], $12::uuid[], $13::text[]${withId ? ', $14::uuid[]' : ''})
   AS v(name, phone, landline, id_card, roles, region_id, skills, party_member, employed_party_member, address, tags, paired_cadre_id, roster${withId ? ', id' : ''})`;
const LIST = (column: string) => `COALESCE(string_to_array(NULLIF(v.${column}, ''), '${SEP}'), '{}')`;

/** Registers the people in one statement; their ids by phone, or by ID-card number for those without a phone. */
export async function insertPeople(m: Db, people: readonly PersonValues[]): Promise<Array<{ id: string; phone: string | null; id_card: string | null }>> {
  if (people.length === 0) return [];
  return m.query(
    `INSERT INTO app_user (name, phone, landline, id_card, roles, region_id, skills, party_member, employed_party_member, address, tags, paired_cadre_id, roster)
     SELECT v.name, v.phone, v.landline, v.id_card, ${LIST('roles')}, v.region_id, ${LIST('skills')}, v.party_member, v.employed_party_member,
            v.address, ${LIST('tags')}, v.paired_cadre_id, v.roster::jsonb
       FROM ${values(false)}
     RETURNING id, phone, id_card`,
    columns(people),
  );
}

/** Changes the people (by id) to the values given, in one statement. */
export async function updatePeople(m: Db, people: ReadonlyArray<PersonValues & { id: string }>): Promise<void> {
  if (people.length === 0) return;
  await m.query(
    `UPDATE app_user u SET name = v.name, phone = v.phone, landline = v.landline, id_card = v.id_card, roles = ${LIST('roles')},
            region_id = v.region_id, skills = ${LIST('skills')}, party_member = v.party_member, employed_party_member = v.employed_party_member,
            address = v.address, tags = ${LIST('tags')}, paired_cadre_id = v.paired_cadre_id, roster = v.roster::jsonb, updated_at = now()
       FROM ${values(true)}
      WHERE u.id = v.id`,
    [...columns(people), people.map((p) => p.id)],
  );
}

export interface NewContact {
  residentId: string;
  name: string;
  relation: FamilyRelation;
  phone: string;
}

/** Adds family contacts, or renames / re-relates a resident's contact with the same phone, in one statement. */
export async function upsertContacts(m: Db, contacts: readonly NewContact[]): Promise<void> {
  if (contacts.length === 0) return;
  await m.query(
    // clock_timestamp(): contacts entered together keep their order (as family.repo's insert)
    `INSERT INTO family_contact (resident_id, name, relation, phone, created_at)
     SELECT c.resident_id, c.name, c.relation, c.phone, clock_timestamp()
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS c(resident_id, name, relation, phone, n)
      ORDER BY c.n
     ON CONFLICT ON CONSTRAINT family_contact_resident_phone_key DO UPDATE SET name = excluded.name, relation = excluded.relation`,
    [contacts.map((c) => c.residentId), contacts.map((c) => c.name), contacts.map((c) => c.relation), contacts.map((c) => c.phone)],
  );
}
