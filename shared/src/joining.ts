import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsString, IsUUID, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { API_PREFIX } from './api';
import { ME_PATH } from './auth';
import type { RosterSlot } from './duty';
import { CategoryCodesField, CursorField, LimitField } from './fields';
import { LatLngDto, RosterSlotDto, type RegionLevel } from './people';
import { Field, Optional, choiceWords } from './validation';

/**
 * Joining (issue 18, item 2): a first-time person finds their place (search by name, or the grids nearest to where
 * they stand), places themself once through `PATCH /me`, and afterwards asks staff for what they may not grant
 * themself — to become a volunteer (我要当志愿者) or to move to another grid (迁移申请).
 */

export const REGION_SEARCH_PATH = `${API_PREFIX}/regions/search`;
export const REGION_NEAREST_PATH = `${API_PREFIX}/regions/nearest`;
/** A person's own applications: `POST` to apply, `GET` to list, `POST …/:id/withdraw`. */
export const MY_APPLICATIONS_PATH = `${ME_PATH}/applications`;
/** Staff: the applications of their jurisdiction, `POST …/:id/approve`, `POST …/:id/decline`. */
export const APPLICATIONS_PATH = `${API_PREFIX}/applications`;

/** A place found by name or by distance, with the names of its ancestors so a person recognises it. */
export interface RegionHitDto {
  id: string;
  level: RegionLevel;
  name: string;
  /** Names from the top (盟市) down to this place itself. */
  pathNames: string[];
  /** The ids of the same places (to open the tree at this place). */
  pathIds: string[];
  /** 「巴彦淖尔市 › 临河区 › 新华街道 › 胜利社区 › 第一网格」 */
  label: string;
  /** Whether a person may be placed here: a grid, or a community/village with no grids. */
  selectable: boolean;
  /** Metres from the point asked about (nearest only; null in a search). */
  distanceMeters: number | null;
}

export class RegionSearchQuery {
  @IsString()
  @MinLength(1, { message: '请输入地名' })
  @MaxLength(40)
  q!: string;

  @Optional()
  @LimitField()
  limit?: number;
}

/** Decimal degrees as they appear in a query string (`40.75`, `-107.4`): only digits, a sign and one dot. */
const DEGREES = /^-?\d{1,3}(\.\d{1,15})?$/;

export class NearestRegionsQuery {
  @Matches(DEGREES, { message: '纬度须为数字，如 40.75' })
  lat!: string;

  @Matches(DEGREES, { message: '经度须为数字，如 107.4' })
  lng!: string;
}

// ---------- applications ----------

export const APPLICATION_KINDS = ['volunteer', 'move'] as const;
export type ApplicationKind = (typeof APPLICATION_KINDS)[number];
export const APPLICATION_STATUSES = ['pending', 'approved', 'declined', 'withdrawn'] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

export const APPLICATION_KIND_NAMES: Record<ApplicationKind, string> = { volunteer: '申请当志愿者', move: '迁移所属网格' };
export const APPLICATION_STATUS_NAMES: Record<ApplicationStatus, string> = {
  pending: '待审核',
  approved: '已通过',
  declined: '未通过',
  withdrawn: '已撤回',
};

const NoteField = () => Field(IsString(), MaxLength(500));

/**
 * `POST /me/applications`. A volunteer application names skills (catalogue codes, at least one), optionally a
 * service area (a place at or below the person's community; default their own place), availability (weekly slots,
 * like a roster) and a note. A move request names the target grid, the new address and a reason. Fields of the
 * other kind are refused (400 naming them).
 */
export class CreateApplicationDto {
  @IsIn(APPLICATION_KINDS, { message: `申请类型须为 ${choiceWords(APPLICATION_KINDS.map((x) => APPLICATION_KIND_NAMES[x]))}` })
  kind!: ApplicationKind;

  @Optional()
  @CategoryCodesField('技能须为服务类别编码')
  skills?: string[];

  @Optional()
  @IsUUID('all', { message: '地区编号格式不正确' })
  serviceRegionId?: string;

  @Optional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => RosterSlotDto)
  availability?: RosterSlotDto[];

  @Optional()
  @NoteField()
  note?: string;

  @Optional()
  @IsUUID('all', { message: '地区编号格式不正确' })
  targetRegionId?: string;

  @Optional()
  @Field(IsString(), MinLength(1), MaxLength(200))
  address?: string;

  @Optional()
  @ValidateNested()
  @Type(() => LatLngDto)
  location?: LatLngDto;

  @Optional()
  @NoteField()
  reason?: string;
}

export class DeclineApplicationDto {
  @IsString()
  @MinLength(1, { message: '请填写不通过的原因' })
  @MaxLength(200)
  reason!: string;
}

export class ListApplicationsQuery {
  @Optional()
  @IsIn(APPLICATION_STATUSES, { message: `状态须为 ${choiceWords(APPLICATION_STATUSES.map((x) => APPLICATION_STATUS_NAMES[x]))}` })
  status?: ApplicationStatus;

  @Optional()
  @IsIn(APPLICATION_KINDS, { message: `申请类型须为 ${choiceWords(APPLICATION_KINDS.map((x) => APPLICATION_KIND_NAMES[x]))}` })
  kind?: ApplicationKind;

  @Optional()
  @CursorField()
  cursor?: string;

  @Optional()
  @LimitField()
  limit?: number;
}

/** A place as an application names it: its id and its full name (「… › 胜利社区 › 第一网格」). */
export interface PlaceRefDto {
  id: string;
  label: string;
}

export interface ApplicationDto {
  id: string;
  kind: ApplicationKind;
  status: ApplicationStatus;
  applicant: { id: string; name: string; /** masked: `138****0001` */ phone: string | null };
  /** The applicant's place when they applied. */
  place: PlaceRefDto | null;
  // volunteer
  skills: string[];
  serviceRegion: PlaceRefDto | null;
  availability: RosterSlot[];
  note: string | null;
  // move
  targetRegion: PlaceRefDto | null;
  address: string | null;
  location: { lat: number; lng: number } | null;
  reason: string | null;
  // the decision
  decidedBy: { id: string; name: string } | null;
  decidedAt: string | null;
  declineReason: string | null;
  createdAt: string;
}
