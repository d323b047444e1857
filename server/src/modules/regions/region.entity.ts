import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** The five levels of the place tree, from the top. */
export const REGION_LEVELS = ['city', 'county', 'town', 'community', 'grid'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

/** A place: 盟市 city, 旗县区 county, 苏木乡镇/街道 town, 嘎查村/社区 community or 网格 grid. */
@Entity({ name: 'region' })
export class Region {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId!: string | null;

  @Column({ type: 'text' })
  level!: RegionLevel;

  @Column({ type: 'text' })
  name!: string;

  /** `/ancestor-ids…/own-id/`: the subtree of X is `path LIKE X.path || '%'`. */
  @Column({ type: 'text' })
  path!: string;

  @Column({ name: 'center_lat', type: 'double precision', nullable: true })
  centerLat!: number | null;

  @Column({ name: 'center_lng', type: 'double precision', nullable: true })
  centerLng!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
