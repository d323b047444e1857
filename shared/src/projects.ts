import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsNumber, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { API_PREFIX } from './api';
import { CategoryCodesField, CursorField, LimitField, TimeField } from './fields';
import { Field, Optional, choiceWords } from './validation';

/**
 * The project list (项目清单) and 在职党员「双报到」 (issue 22, item 2). A community publishes projects (民生实事) beside
 * the residents' demands (需求清单: the orders) and its resources (资源清单: volunteers, squads, registered party
 * members); employed party members who reported to the community, and its volunteers, claim a place (认领); the
 * organiser confirms attendance, and the hours count like service hours.
 */

export const PROJECTS_PATH = `${API_PREFIX}/projects`;
/** The claimant's view: the published projects of the communities the person belongs to, with their own claim. */
export const MY_PROJECTS_PATH = `${API_PREFIX}/me/projects`;
/** The person's own 双报到. */
export const MY_PARTY_REGISTRATION_PATH = `${API_PREFIX}/me/party-registration`;
/** Staff: the party members registered with the communities of their jurisdiction (报到党员). */
export const PARTY_REGISTRATIONS_PATH = `${API_PREFIX}/party-registrations`;
/** Staff: the three lists (需求清单 · 资源清单 · 项目清单) of one community. */
export const THREE_LISTS_PATH = `${API_PREFIX}/projects/lists`;

export const PROJECT_STATUSES = ['draft', 'published', 'closed', 'cancelled'] as const;
export type ProjectStatus = (typeof PROJECT_STATUSES)[number];
export const PROJECT_STATUS_NAMES: Record<ProjectStatus, string> = {
  draft: '草稿',
  published: '招募中',
  closed: '已结束',
  cancelled: '已取消',
};

export const CLAIM_STATUSES = ['claimed', 'cancelled', 'attended', 'absent'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];
export const CLAIM_STATUS_NAMES: Record<ClaimStatus, string> = {
  claimed: '已认领',
  cancelled: '已取消',
  attended: '已参加',
  absent: '未到',
};

/** The points a confirmed attendance earns under a project's rule: the base, plus per hour credited (rounded down). */
export function projectPoints(rule: { pointsBase: number; pointsPerHour: number }, minutes: number): number {
  return rule.pointsBase + Math.floor((rule.pointsPerHour * minutes) / 60);
}

/** Hours as people write them (0.5 steps), to whole minutes. */
export function hoursToMinutes(hours: number): number {
  return Math.round(hours * 60);
}

const Title = () => Field(IsString(), MinLength(1, { message: '请填写项目名称' }), MaxLength(60));
const Description = () => Field(IsString(), MaxLength(1000));
const Address = () => Field(IsString(), MinLength(1, { message: '请填写地点' }), MaxLength(200));
const Places = () => Field(IsInt({ message: '名额须为整数' }), Min(1, { message: '名额至少 1 个' }), Max(500, { message: '名额最多 500 个' }));
const Hours = () =>
  Field(
    IsNumber({ allowNaN: false, allowInfinity: false }, { message: '时长须为数字' }),
    Min(0, { message: '时长不能小于 0' }),
    Max(24, { message: '每次最多记 24 小时' }),
  );
const Points = () => Field(IsInt({ message: '积分须为整数' }), Min(0, { message: '积分不能小于 0' }), Max(10000, { message: '积分最多 10000' }));
const EDITABLE_STATUSES = ['draft', 'published', 'closed', 'cancelled'] as const;
const StatusField = () => IsIn(EDITABLE_STATUSES, { message: `状态须为 ${choiceWords(EDITABLE_STATUSES.map((s) => PROJECT_STATUS_NAMES[s]))}` });

/**
 * `POST /projects`: a community's project. `status` draft (default) or published. `sourceOrderIds`: residents'
 * demands this project answers (转为项目) — each must be an open order of that community under the caller's
 * jurisdiction; they are closed as 转为项目, linked both ways.
 */
export class CreateProjectDto {
  @IsUUID('all', { message: '请选择社区/村' })
  regionId!: string;

  @Title()
  title!: string;

  @Optional()
  @Description()
  description?: string;

  @Address()
  address!: string;

  @TimeField()
  startsAt!: string;

  @TimeField()
  endsAt!: string;

  @Places()
  places!: number;

  @Optional()
  @CategoryCodesField('技能须为服务类别编码')
  skills?: string[];

  @Hours()
  hours!: number;

  @Optional()
  @Points()
  pointsBase?: number;

  @Optional()
  @Points()
  pointsPerHour?: number;

  @Optional()
  @IsIn(['draft', 'published'], { message: '新项目的状态须为 草稿 或 招募中' })
  status?: 'draft' | 'published';

  @Optional()
  @Field(IsArray(), ArrayUnique(), ArrayMaxSize(20), IsUUID('all', { each: true, message: '需求编号格式不正确' }))
  sourceOrderIds?: string[];
}

/** `PATCH /projects/:id`: any field; `status` publishes (草稿 → 招募中), closes or cancels. Places never below the claims. */
export class UpdateProjectDto {
  @Optional()
  @Title()
  title?: string;

  @Optional()
  @Description()
  description?: string;

  @Optional()
  @Address()
  address?: string;

  @Optional()
  @TimeField()
  startsAt?: string;

  @Optional()
  @TimeField()
  endsAt?: string;

  @Optional()
  @Places()
  places?: number;

  @Optional()
  @CategoryCodesField('技能须为服务类别编码')
  skills?: string[];

  @Optional()
  @Hours()
  hours?: number;

  @Optional()
  @Points()
  pointsBase?: number;

  @Optional()
  @Points()
  pointsPerHour?: number;

  @Optional()
  @StatusField()
  status?: ProjectStatus;
}

/** `POST /projects/:id/claims/:claimId/attendance`: attended (with the hours, default the project's) or absent. */
export class ConfirmAttendanceDto {
  @IsBoolean({ message: '请选择 已参加 或 未到' })
  attended!: boolean;

  @Optional()
  @Hours()
  hours?: number;
}

export class ListProjectsQuery {
  @Optional()
  @IsUUID('all', { message: '地区编号格式不正确' })
  regionId?: string;

  @Optional()
  @IsIn(PROJECT_STATUSES, { message: `状态须为 ${choiceWords(PROJECT_STATUSES.map((s) => PROJECT_STATUS_NAMES[s]))}` })
  status?: ProjectStatus;

  /** The project a resident's demand was turned into (转为项目). */
  @Optional()
  @IsUUID('all', { message: '需求编号格式不正确' })
  orderId?: string;

  @Optional()
  @CursorField()
  cursor?: string;

  @Optional()
  @LimitField()
  limit?: number;
}

export class ThreeListsQuery {
  @IsUUID('all', { message: '请选择社区/村' })
  regionId!: string;
}

/** `PUT /me/party-registration` (and staff's `PUT /users/:id/party-registration`): 双报到. */
export class RegisterPartyMemberDto {
  /** The community (社区/嘎查村) where the person lives. */
  @IsUUID('all', { message: '请选择居住的社区/村' })
  communityId!: string;

  /** 工作单位. */
  @Field(IsString(), MinLength(1, { message: '请填写工作单位' }), MaxLength(100))
  workplace!: string;

  /** 单位党组织 (optional). */
  @Optional()
  @Field(IsString(), MinLength(1, { message: '请填写单位党组织，或不填' }), MaxLength(100))
  workplacePartyOrg?: string;
}

export class ListPartyRegistrationsQuery {
  @Optional()
  @IsUUID('all', { message: '地区编号格式不正确' })
  regionId?: string;

  @Optional()
  @CursorField()
  cursor?: string;

  @Optional()
  @LimitField()
  limit?: number;
}

export interface ProjectPlaceDto {
  id: string;
  name: string;
}

export interface PartyRegistrationDto {
  id: string;
  person: { id: string; name: string; phone: string | null };
  community: ProjectPlaceDto;
  workplace: string;
  workplacePartyOrg: string | null;
  /** Who recorded it: the person themself, or a staff member. */
  registeredBy: { id: string; name: string } | null;
  createdAt: string;
  updatedAt: string;
}

export interface ProjectClaimDto {
  id: string;
  person: { id: string; name: string; phone: string | null };
  status: ClaimStatus;
  claimedAt: string;
  confirmedAt: string | null;
  /** Hours credited (attended only). */
  hours: number | null;
  /** Points the project's rule gave (attended only; the points ledger credits them). */
  points: number | null;
}

export interface ProjectSourceOrderDto {
  id: string;
  description: string;
  categoryName: string;
  residentName: string;
}

export interface ProjectDto {
  id: string;
  community: ProjectPlaceDto;
  title: string;
  description: string;
  address: string;
  startsAt: string;
  endsAt: string;
  places: number;
  claimed: number;
  skills: string[];
  hours: number;
  pointsBase: number;
  pointsPerHour: number;
  status: ProjectStatus;
  createdBy: { id: string; name: string } | null;
  createdAt: string;
  /** The residents' demands this project was made from (转为项目). */
  sourceOrders: ProjectSourceOrderDto[];
  /** The asker's own live claim (or their last one), null when they have none. */
  myClaim: ProjectClaimDto | null;
  /** What the asker may do now: claim, cancel_claim (their own); edit, confirm (the organiser). */
  actions: ProjectAction[];
  /** Every claim: the organiser's view only (null for others). */
  claims: ProjectClaimDto[] | null;
}

export type ProjectAction = 'claim' | 'cancel_claim' | 'edit' | 'confirm';

/** The three lists (三张清单) of one community, for its staff. */
export interface ThreeListsDto {
  community: ProjectPlaceDto;
  /** 需求清单: the residents' open demands (the orders board, filtered to the community, lists them). */
  demands: { open: number; overdue: number; byCategory: Array<{ categoryName: string; count: number }> };
  /** 资源清单: who can help. */
  resources: { volunteers: number; gridWorkers: number; squads: number; partyMembers: number; employedPartyMembers: number };
  /** 项目清单: the projects, newest first (at most 50). */
  projects: ProjectDto[];
}
