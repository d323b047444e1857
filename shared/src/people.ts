import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { Field, Optional, choiceWords } from './validation';
import { LEDGER_TAGS, LEDGER_TAG_NAMES, ROLES, ROLE_NAMES, type LedgerTag, type Role, type TeamColor } from './domain';
import type { MeDto } from './auth';
import { CategoryCodesField, CoordinateField, CursorField, LimitField, TeamColorField } from './fields';
import { IsMainlandMobile } from './phone';
import { FamilyContactInputDto, IsLandline, MAX_FAMILY_CONTACTS, type FamilyContactDto } from './family';
import { API_PREFIX } from './api';
import type { RosterSlot } from './duty';

export const REGION_LEVELS = ['city', 'county', 'town', 'community', 'grid'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

/**
 * A point, as JSON numbers. No conversion: `""`, `true` or `"0x1A"` would become 0, 1 and 26 and be stored as a
 * place on the map; only a number is a coordinate.
 */
export class LatLngDto {
  @CoordinateField(-90, 90)
  lat!: number;

  @CoordinateField(-180, 180)
  lng!: number;
}

// ---------- places ----------

export interface RegionDto {
  id: string;
  parentId: string | null;
  level: RegionLevel;
  name: string;
  center: { lat: number; lng: number } | null;
}

export class CreateRegionDto {
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @IsIn(REGION_LEVELS, { message: '级别须为 盟市、旗县区、苏木乡镇/街道、嘎查村/社区 或 网格' })
  level!: RegionLevel;

  @Optional()
  @IsUUID('all', { message: '上级地区编号格式不正确' })
  parentId?: string;

  @Optional()
  @ValidateNested()
  @Type(() => LatLngDto)
  center?: LatLngDto;
}

/**
 * Rename a place or set its centre (admins within jurisdiction). `center: null` clears it (the place is then not
 * offered by 「使用我的位置」). At least one field.
 */
export class UpdateRegionDto {
  @Optional()
  @Field(IsString(), MinLength(1, { message: '请填写名称' }), MaxLength(100, { message: '名称最多 100 个字' }))
  name?: string;

  @ValidateIf((_o: object, v: unknown) => v !== undefined && v !== null)
  @ValidateNested()
  @Type(() => LatLngDto)
  center?: LatLngDto | null;
}

/** Move a grid (网格) under another community or village (社区/嘎查村), with its people, squads and orders. */
export class MoveRegionDto {
  @IsUUID('all', { message: '请选择要移入的社区或嘎查村' })
  parentId!: string;
}

/** What moving a grid took with it (the answer of POST /regions/:id/move). */
export interface RegionMoveResultDto {
  region: RegionDto;
  /** The community it left and the one it joined. */
  from: RegionDto;
  to: RegionDto;
  /** People placed in the grid (residents, volunteers, grid workers): their jurisdiction and area follow the grid. */
  people: number;
  /** The grid's orders, now listed and counted under the new community (open: still waiting or being served). */
  orders: number;
  openOrders: number;
  /** Memberships of squads above the grid that no longer cover the person (they left those squads). */
  squadMembershipsEnded: number;
}

// ---------- people ----------

/** A person as someone else sees them: the record of `MeDto`, phone and address masked unless the viewer may see them. */
export interface UserDto extends MeDto {
  /** `phone` is `138****0001` (and `landline`, family contacts' phones are masked too). */
  phoneMasked: boolean;
  /** A fixed-line number (固定电话) for a person without a mobile; masked as the phone is. */
  landline: string | null;
  /** Family contacts (子女、监护人…) who follow the person's orders; staff with jurisdiction see them in full. */
  familyContacts: FamilyContactDto[];
  /** `address` is cut to the community's name (and `location` is null). */
  addressMasked: boolean;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

// the choices in the words of the screens (居民、志愿者…), not as the request spells them
const ROLE_MESSAGE = { message: `角色须为 ${choiceWords(ROLES.map((r) => ROLE_NAMES[r]))}`, each: true } as const;
const TAG_MESSAGE = { message: `台账标签须为 ${choiceWords(LEDGER_TAGS.map((t) => LEDGER_TAG_NAMES[t]))}`, each: true } as const;

// A person's fields, each rule written once for the create, update and self-update DTOs.
const NameField = () => Field(IsString(), MinLength(1), MaxLength(40));
const RolesField = () => Field(IsArray(), ArrayUnique(), ArrayMaxSize(5), IsIn(ROLES, ROLE_MESSAGE));
const RegionIdField = () => IsUUID('all', { message: '地区编号格式不正确' });
const LocationField = () =>
  Field(
    ValidateNested(),
    Type(() => LatLngDto),
  );
/** Skills are service category codes (the server checks they exist). */
const SkillsField = () => CategoryCodesField('技能须为服务类别编码');
const AddressField = () => Field(IsString(), MaxLength(200));
const TagsField = () => Field(IsArray(), ArrayUnique(), IsIn(LEDGER_TAGS, TAG_MESSAGE));
const PairedCadreField = () => IsUUID('all', { message: '包联责任人编号格式不正确' });

export class CreateUserDto {
  @NameField()
  name!: string;

  /**
   * The person's mobile: required for staff roles (it is how they log in); a resident may have none, if they have a
   * landline or at least one family contact.
   */
  @Optional()
  @IsMainlandMobile()
  phone?: string;

  @Optional()
  @IsLandline()
  landline?: string;

  /** 子女、监护人… who follow the resident's orders from their own login (at most 5). */
  @Optional()
  @IsArray()
  @ArrayMaxSize(MAX_FAMILY_CONTACTS, { message: `家属联系人最多 ${MAX_FAMILY_CONTACTS} 位` })
  @ValidateNested({ each: true })
  @Type(() => FamilyContactInputDto)
  familyContacts?: FamilyContactInputDto[];

  @RolesField()
  roles!: Role[];

  @RegionIdField()
  regionId!: string;

  @Optional()
  @LocationField()
  location?: LatLngDto;

  @Optional()
  @SkillsField()
  skills?: string[];

  @Optional()
  @IsBoolean()
  partyMember?: boolean;

  @Optional()
  @IsBoolean()
  employedPartyMember?: boolean;

  @Optional()
  @AddressField()
  address?: string;

  @Optional()
  @TagsField()
  tags?: LedgerTag[];

  @Optional()
  @PairedCadreField()
  pairedCadreId?: string;
}

/**
 * What staff with jurisdiction may change about a person: the same fields, all optional. Listed again rather than
 * inherited from a common base class: the OpenAPI generator (class-validator-jsonschema) documents only a DTO's own
 * properties, so an inherited field would vanish from /api/docs. The rules themselves are shared (NameField, …).
 */
export class UpdateUserDto {
  @Optional()
  @NameField()
  name?: string;

  @Optional()
  @IsMainlandMobile()
  phone?: string;

  @Optional()
  @IsLandline()
  landline?: string;

  @Optional()
  @RolesField()
  roles?: Role[];

  @Optional()
  @RegionIdField()
  regionId?: string;

  @Optional()
  @LocationField()
  location?: LatLngDto;

  @Optional()
  @SkillsField()
  skills?: string[];

  @Optional()
  @IsBoolean()
  partyMember?: boolean;

  @Optional()
  @IsBoolean()
  employedPartyMember?: boolean;

  @Optional()
  @AddressField()
  address?: string;

  @Optional()
  @TagsField()
  tags?: LedgerTag[];

  @Optional()
  @PairedCadreField()
  pairedCadreId?: string;
}

/**
 * What a person may change about themself (`PATCH /me`): never roles, ledger tags or party status. `regionId` only
 * once, to place themself when they have no place yet (a grid, or a community without grids); a move after that is
 * a request staff approve (`POST /me/applications`, kind `move`).
 */
export class UpdateMeDto {
  @Optional()
  @NameField()
  name?: string;

  @Optional()
  @RegionIdField()
  regionId?: string;

  @Optional()
  @LocationField()
  location?: LatLngDto;

  @Optional()
  @AddressField()
  address?: string;

  @Optional()
  @SkillsField()
  skills?: string[];
}

export class ListUsersQuery {
  @Optional()
  @IsUUID('all', { message: '地区编号格式不正确' })
  regionId?: string;

  @Optional()
  @IsIn(ROLES, { message: ROLE_MESSAGE.message })
  role?: Role;

  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(40)
  q?: string;

  /** Only people carrying this ledger tag (重点人员台账: 独居, 低保…). */
  @Optional()
  @IsIn(LEDGER_TAGS, { message: TAG_MESSAGE.message })
  tag?: LedgerTag;

  @Optional()
  @CursorField()
  cursor?: string;

  @Optional()
  @LimitField()
  limit?: number;
}

/**
 * What the viewer may do to one person's roles (`GET /users/:id/grantable-roles`): the roles they may add or take
 * away, by the same rule the server applies on `PATCH /users/:id` (no self-promotion, only below one's own rank,
 * grid workers only residents). `editable` false: the viewer may not change this person at all, `reason` says why.
 */
export interface GrantableRolesDto {
  editable: boolean;
  roles: Role[];
  reason: string | null;
}

// ---------- duty ----------

export class DutyDto {
  @IsBoolean()
  onDuty!: boolean;
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

export class RosterSlotDto {
  @IsInt()
  @Min(1)
  @Max(7)
  weekday!: number;

  @Matches(HHMM, { message: '时间须为 HH:MM 格式' })
  start!: string;

  @Matches(HHMM, { message: '时间须为 HH:MM 格式' })
  end!: string;
}

export class RosterDto {
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => RosterSlotDto)
  slots!: RosterSlotDto[];
}

/** 在岗情况: who of a place is on duty (上岗) and who is available now (在岗且在值班时段内). */
export const DUTY_PATH = `${API_PREFIX}/duty`;
export const DUTY_STATES = ['all', 'on_duty', 'available'] as const;
export type DutyState = (typeof DUTY_STATES)[number];
export const DUTY_STATE_NAMES: Record<DutyState, string> = { all: '全部', on_duty: '已上岗', available: '此刻可接单' };

export class ListDutyQuery {
  @Optional()
  @IsUUID('all', { message: '地区编号格式不正确' })
  regionId?: string;

  /** all: every volunteer and grid worker; on_duty: those who switched 上岗; available: on duty and inside their roster now. */
  @Optional()
  @IsIn(DUTY_STATES, { message: `状态须为 ${choiceWords(DUTY_STATES.map((s) => DUTY_STATE_NAMES[s]))}` })
  state?: DutyState;

  @Optional()
  @CursorField()
  cursor?: string;

  @Optional()
  @LimitField()
  limit?: number;
}

/** A volunteer or grid worker as the duty overview shows them: no phone or address, only what the roster needs. */
export interface DutyPersonDto {
  id: string;
  name: string;
  roles: Role[];
  regionId: string | null;
  regionName: string | null;
  skills: string[];
  onDuty: boolean;
  availableNow: boolean;
  roster: RosterSlot[] | null;
}

// ---------- squads ----------

export interface SquadDto {
  id: string;
  name: string;
  color: TeamColor;
  regionId: string;
  leaderId: string;
  categories: string[];
  memberCount: number;
  /** The leader's and the place's names, so a list of squads reads without a lookup per row. */
  leaderName: string;
  regionName: string;
}

const SquadNameField = () => Field(IsString(), MinLength(1), MaxLength(60));
const LeaderIdField = () => IsUUID('all', { message: '负责人编号格式不正确' });

export class CreateSquadDto {
  @SquadNameField()
  name!: string;

  @TeamColorField()
  color!: TeamColor;

  @RegionIdField()
  regionId!: string;

  @LeaderIdField()
  leaderId!: string;

  @CategoryCodesField()
  categories!: string[];
}

/** Changing a squad: its name, colour, categories, or its leader (who must already be a member). */
export class UpdateSquadDto {
  @Optional()
  @SquadNameField()
  name?: string;

  @Optional()
  @TeamColorField()
  color?: TeamColor;

  @Optional()
  @LeaderIdField()
  leaderId?: string;

  @Optional()
  @CategoryCodesField()
  categories?: string[];
}

export class AddSquadMemberDto {
  @IsUUID('all', { message: '用户编号格式不正确' })
  userId!: string;
}
