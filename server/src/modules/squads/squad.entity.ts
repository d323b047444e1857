import type { TeamColor } from '@bangbang/shared';
import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import { Region } from '../regions/region.entity';
import { User } from '../users/user.entity';

/** A squad (小分队): one of the seven colour teams of a place, or another (暖心服务小分队, 能工巧匠…). */
@Entity({ name: 'squad' })
@Check('squad_name_check', `char_length(name) BETWEEN 1 AND 60`)
@Check('squad_color_check', `color IN ('red', 'orange', 'pink', 'purple', 'yellow', 'green', 'blue', 'other')`)
@Unique('squad_region_name_unique', ['regionId', 'name'])
export class Squad {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  color!: TeamColor;

  @Column({ name: 'region_id', type: 'uuid' })
  regionId!: string;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'region_id', foreignKeyConstraintName: 'squad_region_id_fkey' })
  region?: Region;

  @Column({ name: 'leader_id', type: 'uuid' })
  leaderId!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'leader_id', foreignKeyConstraintName: 'squad_leader_id_fkey' })
  leader?: User;

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  categories!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

@Entity({ name: 'squad_member' })
@Index('squad_member_user_idx', ['userId'])
export class SquadMember {
  @PrimaryColumn({ name: 'squad_id', type: 'uuid', primaryKeyConstraintName: 'squad_member_pkey' })
  squadId!: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'squad_member_pkey' })
  userId!: string;

  @ManyToOne(() => Squad, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'squad_id', foreignKeyConstraintName: 'squad_member_squad_id_fkey' })
  squad?: Squad;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'squad_member_user_id_fkey' })
  user?: User;

  @CreateDateColumn({ name: 'joined_at', type: 'timestamptz' })
  joinedAt!: Date;
}
