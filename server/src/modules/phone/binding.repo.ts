import type { Role } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { User } from '../users/user.entity';

/** Data access of binding a phone to an account, and of claiming a person staff registered (认领). */

export interface AccountRow {
  id: string;
  phone: string | null;
  wechatOpenid: string | null;
  roles: Role[];
}

/**
 * The caller and whoever holds the phone now, locked (in id order, so two bindings never wait on each other in
 * opposite orders) until the transaction ends.
 */
export async function lockCallerAndHolder(m: EntityManager, callerId: string, phone: string): Promise<{ caller?: AccountRow; holder?: AccountRow }> {
  const rows = await m.query<Array<{ id: string; phone: string | null; wechat_openid: string | null; roles: Role[] }>>(
    `SELECT id, phone, wechat_openid, roles FROM app_user WHERE id = $1 OR phone = $2 ORDER BY id FOR UPDATE`,
    [callerId, phone],
  );
  const accounts = rows.map((r) => ({ id: r.id, phone: r.phone, wechatOpenid: r.wechat_openid, roles: r.roles }));
  return { caller: accounts.find((a) => a.id === callerId), holder: accounts.find((a) => a.id !== callerId && a.phone === phone) };
}

/**
 * Whether the account has anything that would be lost or orphaned by removing it: orders placed or received,
 * tasks, order events, squads, photos, people it is the paired cadre of, applications it made or decided, family
 * contacts of it, any role but resident.
 */
export async function hasHistory(m: EntityManager, id: string): Promise<boolean> {
  const [row] = await m.query<Array<{ found: boolean }>>(
    `SELECT EXISTS (SELECT 1 FROM service_order WHERE resident_id = $1 OR requester_id = $1)
         OR EXISTS (SELECT 1 FROM order_assignment WHERE volunteer_id = $1)
         OR EXISTS (SELECT 1 FROM order_event WHERE actor_id = $1)
         OR EXISTS (SELECT 1 FROM squad WHERE leader_id = $1)
         OR EXISTS (SELECT 1 FROM squad_member WHERE user_id = $1)
         OR EXISTS (SELECT 1 FROM upload WHERE owner_id = $1)
         OR EXISTS (SELECT 1 FROM app_user WHERE paired_cadre_id = $1)
         OR EXISTS (SELECT 1 FROM application WHERE applicant_id = $1 OR decided_by = $1)
         OR EXISTS (SELECT 1 FROM family_contact WHERE resident_id = $1)
         OR EXISTS (SELECT 1 FROM app_user WHERE id = $1 AND roles <> '{resident}') AS found`,
    [id],
  );
  return row?.found === true;
}

/** A new phone for the account (the token_version trigger ends its earlier tokens). */
export async function setPhone(m: EntityManager, id: string, phone: string): Promise<void> {
  await m.query(`UPDATE app_user SET phone = $2, updated_at = now() WHERE id = $1`, [id, phone]);
}

/** Removes an empty account (the caller of a claim). */
export async function deleteAccount(m: EntityManager, id: string): Promise<void> {
  await m.query(`DELETE FROM app_user WHERE id = $1`, [id]);
}

/** The WeChat identity moves onto the person. */
export async function setOpenid(m: EntityManager, id: string, openid: string): Promise<void> {
  await m.query(`UPDATE app_user SET wechat_openid = $2, updated_at = now() WHERE id = $1`, [id, openid]);
}

export async function loadAccount(m: EntityManager, id: string): Promise<User> {
  return m.getRepository(User).findOneByOrFail({ id });
}
