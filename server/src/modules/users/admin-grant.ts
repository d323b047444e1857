import { isMainlandMobile } from '@bangbang/shared';
import type { DataSource } from 'typeorm';
import { UUID_PATTERN, fieldError } from '../../errors';
import { COMMAND_LINE, recordAudit } from '../audit/service';
import { findRegion } from '../regions/region.repo';
import { findUserByPhone, insertUser, updateUser } from './user.repo';

export interface AdminGrant {
  phone: string;
  /** For a person not registered yet; default 管理员 and the phone's last four digits. */
  name?: string;
  /** The place the admin is responsible for; none: the whole tree. Only set for a person who has no place yet. */
  regionId?: string;
}

export interface AdminGrantResult {
  userId: string;
  /** false when the person was an admin already (nothing changed, nothing audited). */
  granted: boolean;
  created: boolean;
}

/**
 * Makes the person with this phone an admin (registering them when nobody has it): the one way an admin comes to be
 * (`pnpm admin:grant`, run by whoever runs the server), recorded in audit_log in the same transaction, by nobody
 * (the command line).
 */
export async function grantAdmin(db: DataSource, grant: AdminGrant): Promise<AdminGrantResult> {
  if (!isMainlandMobile(grant.phone)) throw fieldError('phone', '请输入 11 位手机号码');
  return db.transaction(async (m) => {
    if (grant.regionId !== undefined && (!UUID_PATTERN.test(grant.regionId) || !(await findRegion(m, grant.regionId))))
      throw fieldError('regionId', '地区不存在');
    let user = await findUserByPhone(m, grant.phone, { lock: true });
    let created = false;
    if (!user) {
      const id = await insertUser(m, {
        name: grant.name ?? `管理员${grant.phone.slice(-4)}`,
        phone: grant.phone,
        roles: ['resident'],
        regionId: grant.regionId ?? null,
        skills: [],
        partyMember: false,
        employedPartyMember: false,
        address: null,
        tags: [],
        pairedCadreId: null,
        locationLat: null,
        locationLng: null,
      });
      user = await findUserByPhone(m, grant.phone, { lock: true });
      created = id !== undefined;
    }
    if (!user) throw new Error('the person could not be registered');
    if (user.roles.includes('admin')) return { userId: user.id, granted: false, created };
    const roles = [...user.roles, 'admin' as const];
    const changes = { roles, ...(user.regionId === null && grant.regionId !== undefined ? { regionId: grant.regionId } : {}) };
    await updateUser(m, user.id, changes);
    await recordAudit(m, null, COMMAND_LINE, {
      action: 'admin.grant',
      subjectType: 'user',
      subjectId: user.id,
      before: { roles: user.roles, regionId: user.regionId },
      after: { roles, regionId: changes.regionId ?? user.regionId },
    });
    return { userId: user.id, granted: true, created };
  });
}
