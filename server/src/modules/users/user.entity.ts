import type { LedgerTag, MeDto, Role, RosterSlot } from '@bangbang/shared';
import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import { Region } from '../regions/region.entity';

export type { RosterSlot } from '@bangbang/shared';

/**
 * A person: resident (居民), volunteer (志愿者), grid worker (网格员), dispatcher (社区/街道), admin — often several.
 * Constraints as in migration 1795392100000-CreatePeopleAndCatalogue.
 */
@Entity({ name: 'app_user' })
@Check('app_user_name_check', `char_length(name) BETWEEN 1 AND 40`)
@Check('app_user_phone_check', `phone ~ '^1[3-9][0-9]{9}$'`)
@Check('app_user_roles_check', `cardinality(roles) >= 1 AND roles <@ ARRAY['resident', 'volunteer', 'grid_worker', 'dispatcher', 'admin']`)
@Check('app_user_location_lat_check', `location_lat BETWEEN -90 AND 90`)
@Check('app_user_location_lng_check', `location_lng BETWEEN -180 AND 180`)
@Check('app_user_address_check', `char_length(address) <= 200`)
@Check(
  'app_user_tags_check',
  `tags <@ ARRAY['living_alone', 'empty_nest', 'elderly', 'disabled', 'low_income', 'left_behind_child', 'single_mother', 'seriously_ill']`,
)
@Check('app_user_landline_check', `landline ~ '^0[0-9]{2,3}-?[0-9]{7,8}$'`)
@Check('app_user_id_card_check', `id_card ~ '^[0-9]{17}[0-9X]$'`)
@Check('app_user_location_pair', `(location_lat IS NULL) = (location_lng IS NULL)`)
@Unique('app_user_phone_key', ['phone'])
@Unique('app_user_wechat_openid_key', ['wechatOpenid'])
@Index('app_user_region_idx', ['regionId'])
// the staff of a place, found for every new order's 兜底责任人 (migration AddResponsibleAndNoShows)
@Index('app_user_staff_place_idx', { synchronize: false })
@Index('app_user_created_idx', ['createdAt', 'id'])
// 身份证号, unique among those who have one (migration AddIdCardNumber)
@Index('app_user_id_card_key', ['idCard'], { unique: true, where: 'id_card IS NOT NULL' })
// the matching engine's (migration AddMatchingIndexes): on-duty people by place, with the columns a search reads
// (INCLUDE, migration CoverDutyPeopleByPlace: an index-only scan), and those with no location; by location and skill
// they are in duty_skill_spot (migration AddDutySkillSpots, kept by a trigger)
@Index('app_user_duty_region_idx', { synchronize: false })
@Index('app_user_duty_nowhere_idx', ['regionId'], { where: 'on_duty AND location_lat IS NULL' })
// on-duty people of a place with a skill (migration AddDutySkillsByPlaceIndex): GIN over (region_id, skills)
@Index('app_user_duty_region_skills_idx', { synchronize: false })
// the ledger households, walked in id order by the visit generation (migration CreateVisits)
@Index('app_user_ledger_idx', { synchronize: false })
export class User {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  /** Null for a person who arrived through WeChat login and has not bound a phone yet. */
  @Column({ type: 'text', nullable: true })
  phone!: string | null;

  /** A fixed-line number (固定电话) for a person without a mobile (migration AddFamilyContacts). */
  @Column({ type: 'text', nullable: true })
  landline!: string | null;

  /** 身份证号 (migration AddIdCardNumber): identifies a person without a mobile on a re-import; shown only masked. */
  @Column({ name: 'id_card', type: 'text', nullable: true })
  idCard!: string | null;

  // a GIN index (migration); TypeORM cannot describe GIN, so it is told to leave the index alone
  @Index('app_user_roles_idx', { synchronize: false })
  @Column({ type: 'text', array: true, default: () => `'{resident}'` })
  roles!: Role[];

  @Column({ name: 'region_id', type: 'uuid', nullable: true })
  regionId!: string | null;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'region_id', foreignKeyConstraintName: 'app_user_region_id_fkey' })
  region?: Region | null;

  @Column({ name: 'location_lat', type: 'double precision', nullable: true })
  locationLat!: number | null;

  @Column({ name: 'location_lng', type: 'double precision', nullable: true })
  locationLng!: number | null;

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  skills!: string[];

  @Column({ name: 'party_member', type: 'boolean', default: false })
  partyMember!: boolean;

  @Column({ name: 'employed_party_member', type: 'boolean', default: false })
  employedPartyMember!: boolean;

  @Column({ type: 'text', nullable: true })
  address!: string | null;

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  tags!: LedgerTag[];

  @Column({ name: 'paired_cadre_id', type: 'uuid', nullable: true })
  pairedCadreId!: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'paired_cadre_id', foreignKeyConstraintName: 'app_user_paired_cadre_id_fkey' })
  pairedCadre?: User | null;

  @Column({ name: 'wechat_openid', type: 'text', nullable: true })
  wechatOpenid!: string | null;

  @Column({ name: 'on_duty', type: 'boolean', default: false })
  onDuty!: boolean;

  @Column({ type: 'jsonb', nullable: true })
  roster!: RosterSlot[] | null;

  /**
   * Tokens carry the version they were signed at; one of another version is refused (migration AddTokenVersion:
   * "log out everywhere", and a trigger on a phone change or a role removal, add one).
   */
  @Column({ name: 'token_version', type: 'integer', default: 0 })
  tokenVersion!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** A person's own view of themself: nothing masked. */
export function toMeDto(u: User): MeDto {
  return {
    id: u.id,
    name: u.name,
    phone: u.phone,
    roles: u.roles,
    regionId: u.regionId,
    location: u.locationLat !== null && u.locationLng !== null ? { lat: u.locationLat, lng: u.locationLng } : null,
    skills: u.skills,
    partyMember: u.partyMember,
    employedPartyMember: u.employedPartyMember,
    address: u.address,
    tags: u.tags,
    pairedCadreId: u.pairedCadreId,
    onDuty: u.onDuty,
    createdAt: u.createdAt.toISOString(),
  };
}
