import type { FamilyContactDto, UserDto } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { writeAccessLog, type AccessLogEntry } from '../access/access-log';
import { covers, type Jurisdiction } from '../access/jurisdiction';
import { maskLandline, maskPhone, type FullViewReason } from '../access/privacy';
import type { Actor } from '../auth/actor';
import { findRegions } from '../regions/region.repo';
import { type User, toMeDto } from './user.entity';
import { findUsers } from './user.repo';
import { familyContactsOf, type FamilyContactRow } from './family.repo';

/**
 * People as a viewer sees them (access/privacy.ts has the rules): in full for themself and for staff whose
 * jurisdiction covers them, otherwise with a masked phone and only the community's name for an address; every full
 * view of someone else written to access_log in the same transaction.
 */

export interface Subject {
  user: User;
  /** The path of the person's home region (for jurisdiction), null when they have none. */
  regionPath: string | null;
}

export function fullViewReason(actor: Actor, j: Jurisdiction, subject: Subject): FullViewReason | undefined {
  if (actor.id === subject.user.id) return 'self';
  if (j.kind !== 'none' && covers(j, subject.regionPath)) return 'jurisdiction';
  return undefined;
}

/** The people of these rows (id + home region path), in the rows' order, ready for `presentUsers`. */
export async function loadSubjects(m: EntityManager, rows: ReadonlyArray<{ id: string; path: string | null }>): Promise<Subject[]> {
  if (rows.length === 0) return [];
  const users = await findUsers(
    m,
    rows.map((r) => r.id),
  );
  const byId = new Map(users.map((u) => [u.id, u]));
  return rows.flatMap((r) => {
    const user = byId.get(r.id);
    return user ? [{ user, regionPath: r.path }] : [];
  });
}

/** The community (社区/嘎查村) a region lies in, by name: what a masked address is cut to. */
async function communityNames(m: EntityManager, paths: Array<string | null>): Promise<Map<string, string>> {
  const ids = new Set<string>();
  for (const p of paths) for (const id of p?.split('/').filter(Boolean) ?? []) ids.add(id);
  if (ids.size === 0) return new Map();
  const rows = await findRegions(m, [...ids]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const out = new Map<string, string>();
  for (const p of paths) {
    if (!p) continue;
    const chain = p
      .split('/')
      .filter(Boolean)
      .map((id) => byId.get(id));
    const community = chain.find((r) => r?.level === 'community') ?? chain.filter(Boolean).at(-1);
    if (community) out.set(p, community.name);
  }
  return out;
}

/** A family contact as the viewer sees it: their phone in full only when the viewer may see the resident in full. */
export function toFamilyContactDto(c: FamilyContactRow, full: boolean): FamilyContactDto {
  return {
    id: c.id,
    residentId: c.resident_id,
    name: c.name,
    relation: c.relation,
    phone: full ? c.phone : maskPhone(c.phone),
    phoneMasked: !full,
    createdAt: c.created_at.toISOString(),
  };
}

/**
 * Presents people to a viewer: full or masked, one access_log row per full view of someone else.
 * `reasonFor` decides per person (jurisdiction, self, or a reason the caller knows, e.g. an accepted order).
 */
export async function presentUsers(
  m: EntityManager,
  actor: Actor,
  subjects: Subject[],
  reasonFor: (s: Subject) => FullViewReason | undefined,
): Promise<UserDto[]> {
  const masked = subjects.filter((s) => reasonFor(s) === undefined);
  const names = await communityNames(
    m,
    masked.map((s) => s.regionPath),
  );
  const contacts = new Map<string, FamilyContactRow[]>();
  for (const c of await familyContactsOf(
    m,
    subjects.filter((s) => s.user.roles.includes('resident')).map((s) => s.user.id),
  )) {
    contacts.set(c.resident_id, [...(contacts.get(c.resident_id) ?? []), c]);
  }
  const logged: AccessLogEntry[] = [];
  const out = subjects.map(({ user, regionPath }) => {
    const reason = reasonFor({ user, regionPath });
    const full = reason !== undefined;
    const family = contacts.get(user.id) ?? [];
    if (full && reason !== 'self') {
      const fields = [
        user.phone !== null ? 'phone' : null,
        user.landline !== null ? 'landline' : null,
        user.address !== null ? 'address' : null,
        family.length > 0 ? 'family_contacts' : null,
      ].filter((f): f is string => f !== null);
      if (fields.length > 0) logged.push({ subject: user.id, fields, reason });
    }
    const me = toMeDto(user);
    const familyContacts = family.map((c) => toFamilyContactDto(c, full));
    if (full) return { ...me, landline: user.landline, familyContacts, phoneMasked: false, addressMasked: false };
    const dto: UserDto = {
      ...me,
      phone: user.phone === null ? null : maskPhone(user.phone),
      phoneMasked: user.phone !== null || user.landline !== null || family.length > 0,
      landline: user.landline === null ? null : maskLandline(user.landline),
      familyContacts,
      address: user.address === null ? null : (names.get(regionPath ?? '') ?? null),
      addressMasked: user.address !== null,
      // a masked person's exact location would give the address away
      location: null,
    };
    return dto;
  });
  await writeAccessLog(m, actor.id, logged);
  return out;
}
