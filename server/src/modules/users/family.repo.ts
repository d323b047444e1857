import type { FamilyRelation } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';

/**
 * Family contacts' data access (table family_contact, migration AddFamilyContacts): a resident's contacts, and the
 * residents a logged-in person follows because their phone is one of those contacts.
 */

type Db = Pick<EntityManager, 'query'>;

export interface FamilyContactRow {
  id: string;
  resident_id: string;
  name: string;
  relation: FamilyRelation;
  phone: string;
  created_at: Date;
}

export interface NewFamilyContact {
  name: string;
  relation: FamilyRelation;
  phone: string;
}

/** Adds contacts to a resident; a phone the resident already has as a contact is skipped (not in the answer). */
export async function insertFamilyContacts(m: Db, residentId: string, contacts: readonly NewFamilyContact[]): Promise<FamilyContactRow[]> {
  if (contacts.length === 0) return [];
  return m.query<FamilyContactRow[]>(
    // clock_timestamp(), not the transaction's now(): contacts entered together keep their order
    `INSERT INTO family_contact (resident_id, name, relation, phone, created_at)
     SELECT $1, c.name, c.relation, c.phone, clock_timestamp() FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS c(name, relation, phone, n)
     ORDER BY c.n
     ON CONFLICT ON CONSTRAINT family_contact_resident_phone_key DO NOTHING
     RETURNING id, resident_id, name, relation, phone, created_at`,
    [residentId, contacts.map((c) => c.name), contacts.map((c) => c.relation), contacts.map((c) => c.phone)],
  );
}

/** The contacts of these residents, oldest first (one query for a whole page of people). */
export async function familyContactsOf(m: Db, residentIds: readonly string[]): Promise<FamilyContactRow[]> {
  if (residentIds.length === 0) return [];
  return m.query<FamilyContactRow[]>(
    `SELECT id, resident_id, name, relation, phone, created_at FROM family_contact WHERE resident_id = ANY($1::uuid[]) ORDER BY created_at, id`,
    [[...residentIds]],
  );
}

/** How many contacts the resident has. */
export async function countFamilyContacts(m: Db, residentId: string): Promise<number> {
  const [row] = await m.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM family_contact WHERE resident_id = $1`, [residentId]);
  return row?.n ?? 0;
}

/** Removes the contact of this resident; its row as it was, or undefined when the resident has no such contact. */
export async function deleteFamilyContact(m: Db, residentId: string, contactId: string): Promise<FamilyContactRow | undefined> {
  const rows = await m.query<[FamilyContactRow[], number]>(
    `DELETE FROM family_contact WHERE id = $1 AND resident_id = $2 RETURNING id, resident_id, name, relation, phone, created_at`,
    [contactId, residentId],
  );
  return rows[0][0];
}

export interface FollowedRow {
  id: string;
  name: string;
  relation: FamilyRelation;
  region_id: string | null;
  region_name: string | null;
  address: string | null;
  open_orders: number;
  to_confirm: number;
}

/** The residents whose family contact has this phone, with their open orders and those waiting for confirmation. */
export async function residentsFollowedBy(m: Db, phone: string): Promise<FollowedRow[]> {
  return m.query<FollowedRow[]>(
    `SELECT u.id, u.name, f.relation, u.region_id, r.name AS region_name, u.address,
            (SELECT count(*)::int FROM service_order o WHERE o.resident_id = u.id AND o.status NOT IN ('closed', 'cancelled')) AS open_orders,
            (SELECT count(*)::int FROM service_order o WHERE o.resident_id = u.id AND o.status = 'completed') AS to_confirm
     FROM family_contact f JOIN app_user u ON u.id = f.resident_id LEFT JOIN region r ON r.id = u.region_id
     WHERE f.phone = $1
     ORDER BY f.created_at, u.id`,
    [phone],
  );
}
