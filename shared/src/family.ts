import { IsIn, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { API_PREFIX } from './api';
import { ME_PATH } from './auth';
import { IsMainlandMobile } from './phone';
import { Field, choiceWords } from './validation';

/**
 * People without a mobile (issue 18, item 3): an elder reached by a landline (固定电话), or through family contacts
 * (子女、监护人…) who follow the elder's orders from their own login and confirm them.
 */

/**
 * A mainland fixed-line number: the area code (0 and 2–3 digits: 010, 0471) and a 7–8 digit local number, with or
 * without a dash: `0471-1234567`, `04711234567`, `010-12345678`.
 */
export const LANDLINE = /^0\d{2,3}-?\d{7,8}$/;

export const LANDLINE_MESSAGE = '请输入固定电话：区号加 7 到 8 位号码，如 0471-1234567';

export function isLandline(value: string): boolean {
  return LANDLINE.test(value);
}

/** Property decorator for DTOs: a fixed-line number, with the error a person understands. */
export function IsLandline(): PropertyDecorator {
  return Matches(LANDLINE, { message: LANDLINE_MESSAGE });
}

/** How a family contact is related to the resident. */
export const FAMILY_RELATIONS = ['child', 'spouse', 'guardian', 'relative', 'other'] as const;
export type FamilyRelation = (typeof FAMILY_RELATIONS)[number];

export const FAMILY_RELATION_NAMES: Record<FamilyRelation, string> = {
  child: '子女',
  spouse: '配偶',
  guardian: '监护人',
  relative: '亲属',
  other: '其他',
};

/** At most this many family contacts per resident. */
export const MAX_FAMILY_CONTACTS = 5;

/** A family contact as staff enter it: name, relation, their own mobile (which they log in with). */
export class FamilyContactInputDto {
  @Field(IsString(), MinLength(1), MaxLength(40))
  name!: string;

  @IsIn(FAMILY_RELATIONS, { message: `关系须为 ${choiceWords(FAMILY_RELATIONS.map((x) => FAMILY_RELATION_NAMES[x]))}` })
  relation!: FamilyRelation;

  @IsMainlandMobile()
  phone!: string;
}

export interface FamilyContactDto {
  id: string;
  residentId: string;
  name: string;
  relation: FamilyRelation;
  /** In full, or masked (`138****0001`) for a viewer who may not see it. */
  phone: string;
  phoneMasked: boolean;
  createdAt: string;
}

/** A resident the logged-in person follows as their family (their phone is one of the resident's family contacts). */
export interface FollowedResidentDto {
  id: string;
  name: string;
  relation: FamilyRelation;
  regionId: string | null;
  /** The resident's place (grid or community), by name. */
  regionName: string | null;
  address: string | null;
  /** Orders not yet closed or cancelled. */
  openOrders: number;
  /** Orders done and waiting for confirmation (确认并评价). */
  toConfirm: number;
}

/** `GET /me/family`: the residents one follows. */
export const MY_FAMILY_PATH = `${ME_PATH}/family`;

/** `/users/:id/family-contacts`. */
export function familyContactsPath(userId: string): string {
  return `${API_PREFIX}/users/${userId}/family-contacts`;
}
