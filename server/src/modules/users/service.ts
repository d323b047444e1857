import {
  MAX_FAMILY_CONTACTS,
  ROLES,
  SERVICE_UTC_OFFSET_MINUTES,
  isAvailableNow,
  type DutyPersonDto,
  type GrantableRolesDto,
  type ListDutyQuery,
  maskIdCard,
  type CreateUserDto,
  type FamilyContactDto,
  type FamilyContactInputDto,
  type FollowedResidentDto,
  type DutyStatusDto,
  type ListUsersQuery,
  type Page,
  type Role,
  type RosterSlot,
  type UpdateMeDto,
  type UpdateUserDto,
  type UserDto,
} from '@bangbang/shared';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../../clock';
import { ConflictError, ForbiddenError, NotFoundError, UUID_PATTERN, fieldError } from '../../errors';
import { covers, isStaff, jurisdictionOf, type Jurisdiction } from '../access/jurisdiction';
import { fullViewReason, loadSubjects, presentUsers, toFamilyContactDto, type Subject } from './present';
import { countFamilyContacts, deleteFamilyContact, insertFamilyContacts, residentsFollowedBy, type FamilyContactRow } from './family.repo';
import type { Actor } from '../auth/actor';
import { assertKnownCategories } from '../catalogue/known-categories';
import { changedFields, recordAudit, type AuditContext } from '../audit/service';
import { findPlaceable, findRegion, type RegionRef } from '../regions/region.repo';
import type { User } from './user.entity';
import type { Moderation } from '../moderation/service';
import { findUser, findUserPlace, getUser, insertUser, listDutyPeople, listUserPlaces, updateUser } from './user.repo';
import { regionOr404 } from '../regions/lookup';
import { decodeCursor, encodeCursor } from '../../db/cursor';

const UUID = UUID_PATTERN;

/** The one answer for a person who does not exist or whom the asker may not see: which, is not told. */
export function personNotFound(): NotFoundError {
  return new NotFoundError('该人员不存在。');
}
/** Role rank (DOMAIN.md): resident < volunteer < grid_worker < dispatcher < admin; a person ranks as their highest role. */
const RANK: Record<Role, number> = { resident: 0, volunteer: 1, grid_worker: 2, dispatcher: 3, admin: 4 };

export function rankOf(roles: readonly Role[]): number {
  return Math.max(-1, ...roles.map((r) => RANK[r]));
}

/**
 * Who may change whom (issue 18, no self-promotion): only people strictly below the actor in rank, inside their
 * jurisdiction (checked by the caller); nobody changes themself here (profile fields go through /me). Roles handed
 * out or taken away must rank strictly below the actor too (so admins are made only by `pnpm admin:grant`).
 * Exported for decisions on applications (我要当志愿者, 迁移申请), where a grid worker grants the volunteer role.
 */
export function checkRankAllows(actor: Actor, subject: User | null, after: readonly Role[]): void {
  if (subject !== null && subject.id === actor.id) throw new ForbiddenError('不能修改自己的角色、手机号或所属地区；个人资料请在“我的”页面修改。');
  const mine = rankOf(actor.roles);
  if (subject !== null && rankOf(subject.roles) >= mine) throw new ForbiddenError('只能修改角色低于自己的人员；同级或上级的资料由其上级修改。');
  const before = subject?.roles ?? [];
  const changed = [...after.filter((r) => !before.includes(r)), ...before.filter((r) => !after.includes(r))];
  if (!actor.roles.includes('admin') && changed.some((r) => r === 'admin' || r === 'dispatcher')) {
    throw new ForbiddenError('只有管理员可以授予或收回管理员、调度员角色。');
  }
  if (changed.some((r) => RANK[r] >= mine)) {
    throw new ForbiddenError(
      actor.roles.includes('admin') ? '管理员角色只能通过命令 pnpm admin:grant 授予。' : '只能授予或收回低于自己角色的角色（管理员、调度员角色由上级授予）。',
    );
  }
}

/**
 * `checkRankAllows`, and: a grid worker keeps the ledger of residents and changes only residents through the people
 * list (they grant the volunteer role only by approving a person's own application).
 */
export function checkMayChange(actor: Actor, subject: User | null, after: readonly Role[]): void {
  checkRankAllows(actor, subject, after);
  const before = subject?.roles ?? [];
  const changed = [...after.filter((r) => !before.includes(r)), ...before.filter((r) => !after.includes(r))];
  if (!actor.roles.includes('admin') && !actor.roles.includes('dispatcher')) {
    if (subject !== null && subject.roles.some((r) => r !== 'resident')) throw new ForbiddenError('网格员只能修改居民的资料。');
    if (changed.some((r) => r !== 'resident')) throw new ForbiddenError('网格员只能登记居民。');
  }
}

/**
 * The roles the actor may add to or take from this person: each role tried against `checkMayChange`, the rule
 * `PATCH /users/:id` applies, so the screen offers exactly what the server will accept.
 */
function grantableRoles(actor: Actor, subject: User): GrantableRolesDto {
  try {
    checkMayChange(actor, subject, subject.roles);
  } catch (err) {
    if (err instanceof ForbiddenError) return { editable: false, roles: [], reason: err.message };
    throw err;
  }
  const roles = ROLES.filter((r) => {
    const toggled = subject.roles.includes(r) ? subject.roles.filter((x) => x !== r) : [...subject.roles, r];
    try {
      checkMayChange(actor, subject, toggled);
      return true;
    } catch {
      return false;
    }
  });
  return { editable: true, roles, reason: null };
}

/** Now in the service's local time (Beijing), as rosters are written: ISO weekday and "HH:MM". */
function localWeekdayAndTime(now: Date): { weekday: number; hhmm: string } {
  const local = new Date(now.getTime() + SERVICE_UTC_OFFSET_MINUTES * 60_000);
  const weekday = local.getUTCDay() === 0 ? 7 : local.getUTCDay();
  return { weekday, hhmm: local.toISOString().slice(11, 16) };
}

/** Whether the person can log in today (by phone or by WeChat): their phone is then their identity. */
function canLogIn(user: User): boolean {
  return user.phone !== null || user.wechatOpenid !== null;
}

/** What an audit row keeps of a person. */
function auditView(u: Partial<User>): Record<string, unknown> {
  const { createdAt: _c, updatedAt: _u, region: _r, pairedCadre: _p, wechatOpenid: _w, idCard, ...rest } = u as User;
  // 身份证号 never in full, not even in the audit trail
  return { ...rest, ...(idCard ? { idCard: maskIdCard(idCard) } : {}) };
}

async function regionInScope(m: EntityManager, j: Jurisdiction, regionId: string, roles: readonly Role[]): Promise<RegionRef> {
  const region = await regionOr404(m, regionId, j);
  const staffOnly = roles.every((r) => r === 'dispatcher' || r === 'admin');
  if (!staffOnly && region.level !== 'grid' && region.level !== 'community') {
    throw fieldError('regionId', '居民、志愿者和网格员的所属地区须为社区/村或网格');
  }
  return region;
}

/** 400 naming pairedCadreId unless the 包联责任人 (paired cadre) is someone inside the jurisdiction. */
async function checkCadre(m: EntityManager, j: Jurisdiction, cadreId: string | undefined): Promise<void> {
  if (cadreId === undefined) return;
  const row = await findUserPlace(m, cadreId);
  if (!row || !covers(j, row.path)) throw fieldError('pairedCadreId', '包联责任人不存在');
}

/** The person and their home place's path; undefined for an id that is no person's. */
async function loadSubject(m: EntityManager, id: string, lock = false): Promise<Subject | undefined> {
  if (!UUID.test(id)) return undefined;
  const user = await findUser(m, id, { lock });
  if (!user) return undefined;
  const region = user.regionId ? await findRegion(m, user.regionId) : null;
  return { user, regionPath: region?.path ?? null };
}

/**
 * `PATCH /me { regionId }`: a person places themself once (a first-time person picking their grid), in a grid, or
 * in a community/village that has no grids. After that a move is a request staff decide (409); staff never place
 * themselves (their place is their jurisdiction: it is set by someone above them).
 */
async function checkFirstPlacement(m: EntityManager, actor: Actor, user: User, regionId: string): Promise<void> {
  if (user.regionId === regionId) return;
  if (user.regionId !== null) throw new ConflictError('所属网格已确定，如需更换请提交迁移申请。');
  if (isStaff(actor)) throw new ForbiddenError('工作人员的所属地区由上级设置。');
  const place = await findPlaceable(m, regionId);
  if (!place) throw fieldError('regionId', '地区不存在');
  if (!place.selectable) throw fieldError('regionId', '请选择到网格（所在社区/村没有划分网格时可选社区/村）');
}

function applyLocation(target: Partial<User>, location: { lat: number; lng: number } | undefined): void {
  if (location === undefined) return;
  target.locationLat = location.lat;
  target.locationLng = location.lng;
}

/**
 * How a person is reached (issue 18, item 3): staff roles log in with their mobile, so they need one; a resident
 * may have none — an 80-year-old with a landline, or with a daughter who follows their orders — but at least one way.
 */
export function checkReachable(body: CreateUserDto): void {
  const contacts = body.familyContacts ?? [];
  if (body.roles.some((r) => r !== 'resident')) {
    if (body.phone === undefined) throw fieldError('phone', '志愿者和工作人员须登记本人手机号（用于登录）');
    if (contacts.length > 0) throw fieldError('familyContacts', '只有居民可以登记家属联系人');
  }
  if (body.phone === undefined && body.landline === undefined && contacts.length === 0) {
    throw fieldError('phone', '请至少登记一种联系方式：手机号、固定电话，或一位家属的手机号');
  }
  checkContacts(contacts, body.phone ?? null, 'familyContacts');
}

/** No contact twice, and no contact with the resident's own phone (they are not their own family). */
function checkContacts(contacts: readonly FamilyContactInputDto[], ownPhone: string | null, field: string): void {
  const seen = new Set<string>();
  contacts.forEach((c, i) => {
    if (c.phone === ownPhone) throw fieldError(`${field}[${i}].phone`, '家属的手机号不能与居民本人的手机号相同');
    if (seen.has(c.phone)) throw fieldError(`${field}[${i}].phone`, '同一位家属的手机号重复了');
    seen.add(c.phone);
  });
}

/** What an audit row keeps of a family contact. */
function contactView(c: FamilyContactRow): Record<string, unknown> {
  return { id: c.id, name: c.name, relation: c.relation, phone: c.phone };
}

export interface UserServiceDeps {
  db: DataSource;
  /** Whether someone is available now (their roster) is a question of the domain's time. */
  clock: Clock;
  /** WeChat's content check of what people write about themselves (does nothing when WeChat is not configured). */
  moderation?: Moderation;
}

/**
 * People: staff (admin, dispatcher, grid worker) manage those in their jurisdiction; everyone manages themself.
 * Others' phones and addresses are shown as `presentUsers` decides (masked, or in full and recorded).
 */
export function createUserService({ db, clock, moderation }: UserServiceDeps) {
  return {
    /** Registers a person (登记人员) inside the actor's jurisdiction, presented to them. */
    async register(actor: Actor, body: CreateUserDto, ctx: AuditContext): Promise<UserDto> {
      if (!isStaff(actor)) throw new ForbiddenError('只有管理员、调度员和网格员可以登记人员。');
      if (body.roles.length === 0) throw fieldError('roles', '至少需要一个角色');
      checkMayChange(actor, null, body.roles);
      checkReachable(body);
      return db.transaction(async (m) => {
        const j = jurisdictionOf(actor);
        await regionInScope(m, j, body.regionId, body.roles);
        await assertKnownCategories(m, body.skills, 'skills');
        await checkCadre(m, j, body.pairedCadreId);
        const id = await insertUser(m, {
          name: body.name,
          phone: body.phone ?? null,
          landline: body.landline ?? null,
          roles: body.roles,
          regionId: body.regionId,
          skills: body.skills ?? [],
          partyMember: body.partyMember ?? false,
          employedPartyMember: body.employedPartyMember ?? false,
          address: body.address ?? null,
          tags: body.tags ?? [],
          pairedCadreId: body.pairedCadreId ?? null,
          locationLat: body.location?.lat ?? null,
          locationLng: body.location?.lng ?? null,
        });
        if (id === undefined) throw new ConflictError('该手机号已登记。');
        const family = await insertFamilyContacts(m, id, body.familyContacts ?? []);
        const subject = await loadSubject(m, id);
        const after = { ...auditView(subject!.user), ...(family.length > 0 ? { familyContacts: family.map(contactView) } : {}) };
        await recordAudit(m, actor.id, ctx, { action: 'user.register', subjectType: 'user', subjectId: id, before: null, after });
        const [out] = await presentUsers(m, actor, [subject!], (s) => fullViewReason(actor, j, s));
        return out!;
      });
    },

    /** A resident's family contacts, to themself or to staff with jurisdiction over them; 404 for everyone else. */
    async familyContacts(actor: Actor, id: string): Promise<{ items: FamilyContactDto[] }> {
      return db.transaction(async (m) => {
        const j = jurisdictionOf(actor);
        const subject = await loadSubject(m, id);
        const reason = subject ? fullViewReason(actor, j, subject) : undefined;
        if (!subject || reason === undefined) throw personNotFound();
        const [dto] = await presentUsers(m, actor, [subject], () => reason);
        return { items: dto!.familyContacts };
      });
    },

    /**
     * Adds a family contact (子女、监护人…) to a resident below the actor in rank, inside their jurisdiction (as any
     * change of a person, see `checkMayChange`); at most five; audited.
     */
    async addFamilyContact(actor: Actor, id: string, body: FamilyContactInputDto, ctx: AuditContext): Promise<FamilyContactDto> {
      if (!isStaff(actor)) throw new ForbiddenError('只有网格员、调度员和管理员可以登记家属联系人。');
      return db.transaction(async (m) => {
        const j = jurisdictionOf(actor);
        const subject = await loadSubject(m, id, true);
        if (!subject || !covers(j, subject.regionPath)) throw personNotFound();
        const user = subject.user;
        checkMayChange(actor, user, user.roles);
        if (!user.roles.includes('resident')) throw new ConflictError('只有居民可以登记家属联系人。');
        checkContacts([body], user.phone, 'body');
        if ((await countFamilyContacts(m, user.id)) >= MAX_FAMILY_CONTACTS) {
          throw new ConflictError(`每位居民最多登记 ${MAX_FAMILY_CONTACTS} 位家属联系人，请先删除一位。`);
        }
        const [row] = await insertFamilyContacts(m, user.id, [body]);
        if (!row) throw new ConflictError('这个手机号已经是该居民的家属联系人。');
        await recordAudit(m, actor.id, ctx, {
          action: 'user.family_contact_add',
          subjectType: 'user',
          subjectId: user.id,
          before: null,
          after: contactView(row),
        });
        return toFamilyContactDto(row, true);
      });
    },

    /** Removes a family contact of a resident (same rules as adding); audited. */
    async removeFamilyContact(actor: Actor, id: string, contactId: string, ctx: AuditContext): Promise<void> {
      if (!isStaff(actor)) throw new ForbiddenError('只有网格员、调度员和管理员可以删除家属联系人。');
      await db.transaction(async (m) => {
        const j = jurisdictionOf(actor);
        const subject = await loadSubject(m, id, true);
        if (!subject || !covers(j, subject.regionPath)) throw personNotFound();
        checkMayChange(actor, subject.user, subject.user.roles);
        const row = UUID.test(contactId) ? await deleteFamilyContact(m, subject.user.id, contactId) : undefined;
        if (!row) throw new NotFoundError('该家属联系人不存在。');
        await recordAudit(m, actor.id, ctx, {
          action: 'user.family_contact_remove',
          subjectType: 'user',
          subjectId: subject.user.id,
          before: contactView(row),
          after: null,
        });
      });
    },

    /**
     * 我的家人: the residents whose family contact has the actor's phone (verified by their login), with their open
     * orders. Nobody without a phone follows anyone.
     */
    async myFamily(actor: Actor): Promise<{ items: FollowedResidentDto[] }> {
      const phone = actor.user.phone;
      if (phone === null) return { items: [] };
      const rows = await residentsFollowedBy(db.manager, phone);
      return {
        items: rows.map((r) => ({
          id: r.id,
          name: r.name,
          relation: r.relation,
          regionId: r.region_id,
          regionName: r.region_name,
          address: r.address,
          openOrders: r.open_orders,
          toConfirm: r.to_confirm,
        })),
      };
    },

    /** The people list (人员名单) of the actor's jurisdiction, newest first; every full view of another is recorded. */
    async list(actor: Actor, q: ListUsersQuery): Promise<Page<UserDto>> {
      if (!isStaff(actor)) throw new ForbiddenError('只有管理员、调度员和网格员可以查看人员名单。');
      const limit = q.limit ?? 20;
      return db.transaction(async (m) => {
        const j = jurisdictionOf(actor);
        let regionPath: string | undefined;
        if (q.regionId !== undefined) {
          const region = await regionOr404(m, q.regionId, j);
          regionPath = region.path;
        }
        const before = q.cursor !== undefined ? decodeCursor(q.cursor) : undefined;
        const ids = await listUserPlaces(m, { jurisdiction: j, regionPath, role: q.role, tag: q.tag, q: q.q, before, limit: limit + 1 });
        const page = ids.slice(0, limit);
        const subjects = await loadSubjects(m, page);
        const items = await presentUsers(m, actor, subjects, (s) => fullViewReason(actor, j, s));
        const last = subjects.at(-1);
        return { items, nextCursor: ids.length > limit && last ? encodeCursor(last.user.createdAt, last.user.id) : null };
      });
    },

    /** A person, to themself or to staff with jurisdiction over them; 404 for everyone else. */
    async get(actor: Actor, id: string): Promise<UserDto> {
      return db.transaction(async (m) => {
        const j = jurisdictionOf(actor);
        const subject = await loadSubject(m, id);
        const reason = subject ? fullViewReason(actor, j, subject) : undefined;
        // outside your jurisdiction a person does not exist for you
        if (!subject || reason === undefined) throw personNotFound();
        const [dto] = await presentUsers(m, actor, [subject], () => reason);
        return dto!;
      });
    },

    /**
     * Staff change the record of a person below them (see `checkMayChange`). The phone of a person who can log in
     * is their identity: changing it needs their own re-verification, so staff may not (409).
     */
    async update(actor: Actor, id: string, patch: UpdateUserDto, ctx: AuditContext): Promise<UserDto> {
      if (!isStaff(actor)) throw new ForbiddenError('请在“我的”页面修改自己的资料。');
      return db.transaction(async (m) => {
        const j = jurisdictionOf(actor);
        const subject = await loadSubject(m, id, true);
        if (!subject || (subject.user.id !== actor.id && !covers(j, subject.regionPath))) throw personNotFound();
        const user = subject.user;
        const roles = patch.roles ?? user.roles;
        if (roles.length === 0) throw fieldError('roles', '至少需要一个角色');
        checkMayChange(actor, user, roles);
        if (patch.phone !== undefined && patch.phone !== user.phone && canLogIn(user)) {
          // the person changes it themself, re-verified: POST /me/phone (SMS code) or /me/phone/wechat (phone module)
          throw new ConflictError('手机号是本人的登录身份，工作人员不能代改；请本人在“我的”页面通过短信验证码或微信验证更换手机号。');
        }
        if (patch.regionId !== undefined || patch.roles !== undefined) await regionInScope(m, j, patch.regionId ?? user.regionId ?? '', roles);
        await assertKnownCategories(m, patch.skills, 'skills');
        await checkCadre(m, j, patch.pairedCadreId);
        const { location, ...rest } = patch;
        const changes: Partial<User> = { ...rest };
        applyLocation(changes, location);
        if (Object.keys(changes).length > 0) {
          try {
            await updateUser(m, user.id, changes);
          } catch (err) {
            if ((err as { driverError?: { code?: string } }).driverError?.code === '23505') throw new ConflictError('该手机号已登记。');
            throw err;
          }
        }
        const fresh = await loadSubject(m, user.id);
        const diff = changedFields(auditView(user), auditView(fresh!.user));
        await recordAudit(m, actor.id, ctx, { action: 'user.update', subjectType: 'user', subjectId: user.id, ...diff });
        const [dto] = await presentUsers(m, actor, [fresh!], (s) => fullViewReason(actor, j, s));
        return dto!;
      });
    },

    /** What the actor may do to this person's roles (see `grantableRoles`); 404 outside their jurisdiction. */
    async grantableRoles(actor: Actor, id: string): Promise<GrantableRolesDto> {
      if (!isStaff(actor)) throw new ForbiddenError('只有管理员、调度员和网格员可以修改人员的角色。');
      const subject = await loadSubject(db.manager, id);
      if (!subject || (subject.user.id !== actor.id && !covers(jurisdictionOf(actor), subject.regionPath))) throw personNotFound();
      return grantableRoles(actor, subject.user);
    },

    /** A person's weekly roster and duty state, to themself or to staff with jurisdiction over them. */
    async roster(actor: Actor, id: string): Promise<DutyStatusDto> {
      const subject = await loadSubject(db.manager, id);
      if (!subject || (subject.user.id !== actor.id && !covers(jurisdictionOf(actor), subject.regionPath))) throw personNotFound();
      const { onDuty, roster } = subject.user;
      return { onDuty, availableNow: isAvailableNow(onDuty, roster, clock()), roster };
    },

    /**
     * 在岗情况: the volunteers and grid workers of the actor's jurisdiction (or of one place in it), with their duty
     * switch, whether they are available now and their weekly roster; no phone or address (nothing to log).
     */
    async duty(actor: Actor, q: ListDutyQuery): Promise<Page<DutyPersonDto>> {
      if (!isStaff(actor)) throw new ForbiddenError('只有管理员、调度员和网格员可以查看在岗情况。');
      const limit = q.limit ?? 50;
      const now = clock();
      const m = db.manager;
      const j = jurisdictionOf(actor);
      const regionPath = q.regionId !== undefined ? (await regionOr404(m, q.regionId, j)).path : undefined;
      const before = q.cursor !== undefined ? decodeCursor(q.cursor) : undefined;
      const rows = await listDutyPeople(m, { jurisdiction: j, regionPath, state: q.state ?? 'all', ...localWeekdayAndTime(now), before, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map((r) => ({
          id: r.id,
          name: r.name,
          roles: r.roles,
          regionId: r.region_id,
          regionName: r.region_name,
          skills: r.skills,
          onDuty: r.on_duty,
          availableNow: isAvailableNow(r.on_duty, r.roster, now),
          roster: r.roster,
        })),
        nextCursor: rows.length > limit && last ? encodeCursor(last.created_at, last.id) : null,
      };
    },

    /** The actor's own record (name, address, location, skills), as it is after the change. */
    async updateMe(actor: Actor, patch: UpdateMeDto, ctx: AuditContext): Promise<User> {
      await moderation?.checkTexts(actor.id, [
        { field: 'name', text: patch.name, scene: 1 },
        { field: 'address', text: patch.address, scene: 1 },
      ]);
      return db.transaction(async (m) => {
        await assertKnownCategories(m, patch.skills, 'skills');
        const { location, ...rest } = patch;
        const changes: Partial<User> = { ...rest };
        applyLocation(changes, location);
        const before = await findUser(m, actor.id, { lock: true });
        if (!before) throw personNotFound();
        if (patch.regionId !== undefined) await checkFirstPlacement(m, actor, before, patch.regionId);
        if (Object.keys(changes).length > 0) await updateUser(m, actor.id, changes);
        const after = await getUser(m, actor.id);
        const diff = changedFields(auditView(before), auditView(after));
        await recordAudit(m, actor.id, ctx, { action: 'user.update', subjectType: 'user', subjectId: actor.id, ...diff });
        return after;
      });
    },

    /** 上岗 / 下岗: a volunteer or grid worker starts or stops taking orders. */
    async setDuty(actor: Actor, onDuty: boolean): Promise<DutyStatusDto> {
      if (!actor.roles.includes('volunteer') && !actor.roles.includes('grid_worker')) {
        throw new ForbiddenError('只有志愿者和网格员可以上岗接单。');
      }
      await updateUser(db.manager, actor.id, { onDuty });
      const roster = actor.user.roster;
      return { onDuty, availableNow: isAvailableNow(onDuty, roster, clock()), roster };
    },

    /** The weekly roster (值班表) of a volunteer or grid worker, set by themself or by staff over them; empty: none. */
    async setRoster(actor: Actor, id: string, slots: readonly RosterSlot[], ctx: AuditContext): Promise<DutyStatusDto> {
      return db.transaction(async (m) => {
        const j = jurisdictionOf(actor);
        const subject = await loadSubject(m, id, true);
        if (!subject || (subject.user.id !== actor.id && !covers(j, subject.regionPath))) throw personNotFound();
        if (subject.user.id !== actor.id && rankOf(subject.user.roles) >= rankOf(actor.roles)) {
          throw new ForbiddenError('只能设置角色低于自己的人员的值班表。');
        }
        if (!subject.user.roles.includes('volunteer') && !subject.user.roles.includes('grid_worker')) {
          throw new ForbiddenError('只有志愿者和网格员有值班表。');
        }
        const roster = slots.map((s) => ({ weekday: s.weekday, start: s.start, end: s.end }));
        await updateUser(m, subject.user.id, { roster: roster.length > 0 ? roster : null });
        await recordAudit(m, actor.id, ctx, {
          action: 'user.roster',
          subjectType: 'user',
          subjectId: subject.user.id,
          before: { roster: subject.user.roster },
          after: { roster: roster.length > 0 ? roster : null },
        });
        const onDuty = subject.user.onDuty;
        return { onDuty, availableNow: isAvailableNow(onDuty, roster.length > 0 ? roster : null, clock()), roster: roster.length > 0 ? roster : null };
      });
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
