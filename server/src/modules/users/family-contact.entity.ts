import type { FamilyRelation } from '@bangbang/shared';
import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { User } from './user.entity';

/**
 * A family contact (家属联系人: 子女、配偶、监护人…) of a resident, as in migration 1795393300000-AddFamilyContacts.
 * The person logged in with this phone follows the resident's orders (sees and confirms them).
 */
@Entity({ name: 'family_contact' })
@Check('family_contact_name_check', `char_length(name) BETWEEN 1 AND 40`)
@Check('family_contact_relation_check', `relation IN ('child', 'spouse', 'guardian', 'relative', 'other')`)
@Check('family_contact_phone_check', `phone ~ '^1[3-9][0-9]{9}$'`)
@Unique('family_contact_resident_phone_key', ['residentId', 'phone'])
@Index('family_contact_phone_idx', ['phone'])
export class FamilyContact {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'resident_id', type: 'uuid' })
  residentId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'resident_id', foreignKeyConstraintName: 'family_contact_resident_id_fkey' })
  resident?: User;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  relation!: FamilyRelation;

  @Column({ type: 'text' })
  phone!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
