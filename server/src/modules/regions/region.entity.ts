import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import { REGION_LEVELS, type DispatchMode, type RegionDto, type RegionLevel } from '@bangbang/shared';

/** The five levels of the place tree, from the top (defined in shared, for the mini-program too). */
export { REGION_LEVELS, type RegionLevel };

/** A place: 盟市 city, 旗县区 county, 苏木乡镇/街道 town, 嘎查村/社区 community or 网格 grid. */
// The constraints are the migration's (1795392000000-CreateRegion); they are named here too so that TypeORM's
// schema diff sees no drift and a generated migration starts from the truth.
@Entity({ name: 'region' })
@Check('region_level_check', `level IN ('city', 'county', 'town', 'community', 'grid')`)
@Check('region_name_check', `char_length(name) BETWEEN 1 AND 100`)
@Check('region_center_lat_check', `center_lat BETWEEN -90 AND 90`)
@Check('region_center_lng_check', `center_lng BETWEEN -180 AND 180`)
@Check('region_root_is_city', `(parent_id IS NULL) = (level = 'city')`)
@Check('region_center_pair', `(center_lat IS NULL) = (center_lng IS NULL)`)
@Check('region_dispatch_mode_check', `dispatch_mode IN ('manual', 'auto', 'pool', 'sequential')`)
@Check('region_effective_dispatch_mode_check', `effective_dispatch_mode IN ('manual', 'auto', 'pool', 'sequential')`)
@Unique('region_sibling_name_unique', ['parentId', 'name'])
@Index('region_parent_idx', ['parentId'])
export class Region {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId!: string | null;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'parent_id', foreignKeyConstraintName: 'region_parent_id_fkey' })
  parent?: Region | null;

  @Column({ type: 'text' })
  level!: RegionLevel;

  @Column({ type: 'text' })
  name!: string;

  /** `/ancestor-ids…/own-id/`: the subtree of X is `path LIKE X.path || '%'`. */
  @Index('region_path_idx', { unique: true })
  @Column({ type: 'text' })
  path!: string;

  @Column({ name: 'center_lat', type: 'double precision', nullable: true })
  centerLat!: number | null;

  @Column({ name: 'center_lng', type: 'double precision', nullable: true })
  centerLng!: number | null;

  /** Auto-dispatch for orders of this place and below (null: as the parent). Migration 1795392400000. */
  @Column({ name: 'dispatch_mode', type: 'text', nullable: true })
  dispatchMode!: DispatchMode | null;

  /** The mode that applies here: its own, the nearest ancestor's, or manual (kept up to date when one is set). */
  @Column({ name: 'effective_dispatch_mode', type: 'text', default: 'manual' })
  effectiveDispatchMode!: DispatchMode;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

export function toRegionDto(r: Region): RegionDto {
  return {
    id: r.id,
    parentId: r.parentId,
    level: r.level,
    name: r.name,
    center: r.centerLat !== null && r.centerLng !== null ? { lat: r.centerLat, lng: r.centerLng } : null,
  };
}
