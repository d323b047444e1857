import { Check, Column, CreateDateColumn, Entity, PrimaryColumn, Unique, UpdateDateColumn } from 'typeorm';
import type { ServiceCategoryDto, ServiceKind, TeamColor } from '@bangbang/shared';

/** A service of the catalogue (服务清单). Constraints as in migration 1795392100000-CreatePeopleAndCatalogue. */
@Entity({ name: 'service_category' })
@Check('service_category_code_check', `code ~ '^[a-z][a-z0-9_]{1,39}$'`)
@Check('service_category_name_check', `char_length(name) BETWEEN 1 AND 40`)
@Check('service_category_color_check', `color IN ('red', 'orange', 'pink', 'purple', 'yellow', 'green', 'blue', 'other')`)
@Check('service_category_icon_check', `char_length(icon) BETWEEN 1 AND 40`)
@Check('service_category_accept_minutes_normal_check', `accept_minutes_normal BETWEEN 1 AND 10080`)
@Check('service_category_accept_minutes_urgent_check', `accept_minutes_urgent BETWEEN 1 AND 10080`)
@Check('service_category_kind_check', `kind IN ('general', 'qualified')`)
@Check('service_category_urgent_faster', `accept_minutes_urgent <= accept_minutes_normal`)
@Unique('service_category_name_key', ['name'])
export class ServiceCategory {
  @PrimaryColumn({ type: 'text' })
  code!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  color!: TeamColor;

  @Column({ type: 'text' })
  icon!: string;

  @Column({ name: 'accept_minutes_normal', type: 'integer' })
  acceptMinutesNormal!: number;

  @Column({ name: 'accept_minutes_urgent', type: 'integer' })
  acceptMinutesUrgent!: number;

  /** general: any volunteer of the area may take it; qualified: only those with the skill (AddOffersAndServiceKinds). */
  @Column({ type: 'text', default: 'qualified' })
  kind!: ServiceKind;

  @Column({ name: 'multi_person', type: 'boolean', default: false })
  multiPerson!: boolean;

  @Column({ name: 'sort_order', type: 'integer', default: 0 })
  sortOrder!: number;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

export function toServiceCategoryDto(c: ServiceCategory): ServiceCategoryDto {
  return {
    code: c.code,
    name: c.name,
    color: c.color,
    icon: c.icon,
    acceptMinutesNormal: c.acceptMinutesNormal,
    acceptMinutesUrgent: c.acceptMinutesUrgent,
    kind: c.kind,
    multiPerson: c.multiPerson,
    sortOrder: c.sortOrder,
    active: c.active,
  };
}
