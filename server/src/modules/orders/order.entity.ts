import type { AssignmentState, ContentReview, DispatchMode, EscalationLevel, OrderChannel, OrderEventType, OrderStatus, Urgency } from '@bangbang/shared';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Squad } from '../squads/squad.entity';
import { User } from '../users/user.entity';

/**
 * The tables of migration 1795392300000-CreateOrders, described for TypeORM so the schema cannot drift from the
 * entities (tests/server/migrations.test.ts). The order routes read and write them in SQL: every change locks the
 * order's row and appends its event in the same transaction (see ./lifecycle.ts).
 * Indexes TypeORM cannot describe (operator classes, partial) are marked `synchronize: false`.
 */
@Entity({ name: 'service_order' })
@Check('service_order_channel_check', `channel IN ('miniapp', 'phone', 'walk_in')`)
@Check('service_order_description_check', `char_length(description) BETWEEN 1 AND 500`)
@Check('service_order_address_check', `char_length(address) <= 200`)
@Check('service_order_location_lat_check', `location_lat BETWEEN -90 AND 90`)
@Check('service_order_location_lng_check', `location_lng BETWEEN -180 AND 180`)
@Check('service_order_urgency_check', `urgency IN ('normal', 'urgent')`)
@Check('service_order_headcount_check', `headcount BETWEEN 1 AND 50`)
@Check('service_order_status_check', `status IN ('pending', 'dispatched', 'accepted', 'in_service', 'completed', 'closed', 'cancelled')`)
@Check('service_order_content_review_check', `content_review IN ('review', 'unchecked')`)
@Check('service_order_escalation_level_check', `escalation_level IN ('grid', 'community', 'town', 'county')`)
@Check('service_order_round_check', `round >= 1`)
@Check('service_order_rating_check', `rating BETWEEN 1 AND 5`)
@Check('service_order_rating_comment_check', `char_length(rating_comment) <= 300`)
@Check('service_order_idempotency_key_check', `char_length(idempotency_key) BETWEEN 1 AND 200`)
@Check('service_order_location_pair', `(location_lat IS NULL) = (location_lng IS NULL)`)
@Check('service_order_preferred_order', `preferred_end > preferred_start`)
@Check('service_order_places', `accepted_count BETWEEN 0 AND headcount`)
@Check('service_order_one_dispatch', `dispatched_to_user_id IS NULL OR dispatched_to_squad_id IS NULL`)
@Unique('service_order_idempotency_key', ['requesterId', 'idempotencyKey'])
@Index('service_order_region_idx', { synchronize: false })
@Index('service_order_created_idx', ['createdAt', 'id'])
@Index('service_order_resident_idx', ['residentId', 'createdAt'])
@Index('service_order_dispatched_user_idx', { synchronize: false })
@Index('service_order_dispatched_squad_idx', { synchronize: false })
@Index('service_order_pool_idx', { synchronize: false })
@Index('service_order_escalate_idx', { synchronize: false })
@Index('service_order_auto_dispatch_idx', { synchronize: false })
// the per-account limits' probes (migration AddOrderLimitIndexes)
@Index('service_order_open_resident_idx', { synchronize: false })
@Index('service_order_proxy_requester_idx', { synchronize: false })
@Index('service_order_content_review_idx', { synchronize: false })
@Index('service_order_responsible_idx', { synchronize: false })
@Index('service_order_unaccepted_idx', { synchronize: false })
@Check('service_order_dispatch_mode_check', `dispatch_mode IN ('manual', 'auto', 'pool', 'sequential')`)
@Check('service_order_offer_wave_check', `offer_wave >= 0`)
// one open order per resident and service (migration AddOrderUrges): a repeat is a 催一下, not a second order
@Index('service_order_one_open_per_service_idx', { synchronize: false })
@Check('service_order_urge_count_check', `urge_count >= 0`)
export class ServiceOrder {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'resident_id', type: 'uuid' })
  residentId!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'resident_id', foreignKeyConstraintName: 'service_order_resident_id_fkey' })
  resident?: User;

  @Column({ name: 'requester_id', type: 'uuid' })
  requesterId!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'requester_id', foreignKeyConstraintName: 'service_order_requester_id_fkey' })
  requester?: User;

  @Column({ type: 'text' })
  channel!: OrderChannel;

  /** A service category's code: kept pointing at one by triggers, not a foreign key (migration GuardOrderReferencesFromParents). */
  @Column({ name: 'category_code', type: 'text' })
  categoryCode!: string;

  @Column({ type: 'text' })
  description!: string;

  @Column({ type: 'text', nullable: true })
  address!: string | null;

  @Column({ name: 'location_lat', type: 'double precision', nullable: true })
  locationLat!: number | null;

  @Column({ name: 'location_lng', type: 'double precision', nullable: true })
  locationLng!: number | null;

  @Column({ name: 'preferred_start', type: 'timestamptz', nullable: true })
  preferredStart!: Date | null;

  @Column({ name: 'preferred_end', type: 'timestamptz', nullable: true })
  preferredEnd!: Date | null;

  @Column({ type: 'text' })
  urgency!: Urgency;

  @Column({ type: 'integer', default: 1 })
  headcount!: number;

  @Column({ name: 'accepted_count', type: 'integer', default: 0 })
  acceptedCount!: number;

  @Column({ type: 'text', default: 'pending' })
  status!: OrderStatus;

  /** The resident's place: kept pointing at one by triggers, not a foreign key (migration GuardOrderReferencesFromParents). */
  @Column({ name: 'region_id', type: 'uuid' })
  regionId!: string;

  @Column({ name: 'region_path', type: 'text' })
  regionPath!: string;

  @Column({ name: 'escalation_level', type: 'text' })
  escalationLevel!: EscalationLevel;

  /** The place whose level the order has reached: kept pointing at one by triggers, as `regionId`. */
  @Column({ name: 'scope_region_id', type: 'uuid' })
  scopeRegionId!: string;

  @Column({ name: 'scope_path', type: 'text' })
  scopePath!: string;

  @Column({ name: 'escalate_at', type: 'timestamptz', nullable: true })
  escalateAt!: Date | null;

  @Column({ name: 'deadline_at', type: 'timestamptz' })
  deadlineAt!: Date;

  @Column({ name: 'dispatched_to_user_id', type: 'uuid', nullable: true })
  dispatchedToUserId!: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'dispatched_to_user_id', foreignKeyConstraintName: 'service_order_dispatched_to_user_id_fkey' })
  dispatchedToUser?: User | null;

  @Column({ name: 'dispatched_to_squad_id', type: 'uuid', nullable: true })
  dispatchedToSquadId!: string | null;

  @ManyToOne(() => Squad, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'dispatched_to_squad_id', foreignKeyConstraintName: 'service_order_dispatched_to_squad_id_fkey' })
  dispatchedToSquad?: Squad | null;

  @Column({ type: 'integer', default: 1 })
  round!: number;

  @Column({ type: 'integer', default: 1 })
  version!: number;

  @Column({ name: 'first_accepted_at', type: 'timestamptz', nullable: true })
  firstAcceptedAt!: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt!: Date | null;

  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt!: Date | null;

  @Column({ name: 'cancel_reason', type: 'text', nullable: true })
  cancelReason!: string | null;

  @Column({ name: 'far_check_in', type: 'boolean', default: false })
  farCheckIn!: boolean;

  @Column({ type: 'smallint', nullable: true })
  rating!: number | null;

  @Column({ name: 'rating_comment', type: 'text', nullable: true })
  ratingComment!: string | null;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey!: string | null;

  @Column({ name: 'request_hash', type: 'text', nullable: true })
  requestHash!: string | null;

  /** The auto-dispatch mode the order was created under (migration 1795392400000). */
  @Column({ name: 'dispatch_mode', type: 'text', default: 'manual' })
  dispatchMode!: DispatchMode;

  /** When the system should next dispatch it (auto: the assignee's time to accept is up; pool: nobody took it). */
  @Column({ name: 'auto_dispatch_at', type: 'timestamptz', nullable: true })
  autoDispatchAt!: Date | null;

  /** The last wave of offers sent in this round (0: none; migration AddOffersAndServiceKinds). */
  @Column({ name: 'offer_wave', type: 'integer', default: 0 })
  offerWave!: number;

  /** Staff should look at its text (migration AddContentReview): WeChat said `review`, or could not be asked (`unchecked`). */
  @Column({ name: 'content_review', type: 'text', nullable: true })
  contentReview!: ContentReview | null;

  /**
   * 兜底责任人 (migration AddResponsibleAndNoShows): answerable for the order from the first minute. No foreign key:
   * every order of a grid points at the same few people (see that migration).
   */
  @Column({ name: 'responsible_id', type: 'uuid', nullable: true })
  responsibleId!: string | null;
  /** 催一下: how many times the resident (or who ordered for them, or family) urged it, and when last. */
  @Column({ name: 'urge_count', type: 'integer', default: 0 })
  urgeCount!: number;

  @Column({ name: 'last_urged_at', type: 'timestamptz', nullable: true })
  lastUrgedAt!: Date | null;

  /** When it was last reopened (问题未解决): its present wait began then. */
  @Column({ name: 'reopened_at', type: 'timestamptz', nullable: true })
  reopenedAt!: Date | null;

  /** The first round's deadline, kept when a reopening sets `deadline_at` anew (统计: 按时接单). */
  @Column({ name: 'first_deadline_at', type: 'timestamptz', nullable: true })
  firstDeadlineAt!: Date | null;

  /** The open order of the same service a staff member knowingly placed this one beside (a second, different need). */
  @Column({ name: 'repeat_of', type: 'uuid', nullable: true })
  repeatOf!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

@Entity({ name: 'order_assignment' })
@Check('order_assignment_state_check', `state IN ('accepted', 'in_service', 'completed', 'released', 'no_show', 'cancelled', 'recalled')`)
@Check('order_assignment_service_minutes_check', `service_minutes >= 0`)
@Index('order_assignment_one_place', { synchronize: false })
@Index('order_assignment_order_idx', ['orderId'])
@Index('order_assignment_volunteer_idx', ['volunteerId', 'acceptedAt'])
@Index('order_assignment_awaiting_check_in_idx', ['acceptedAt'], { where: `state = 'accepted'` })
export class OrderAssignment {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'order_id', type: 'uuid' })
  orderId!: string;

  @ManyToOne(() => ServiceOrder, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'order_id', foreignKeyConstraintName: 'order_assignment_order_id_fkey' })
  order?: ServiceOrder;

  @Column({ type: 'integer' })
  round!: number;

  @Column({ name: 'volunteer_id', type: 'uuid' })
  volunteerId!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'volunteer_id', foreignKeyConstraintName: 'order_assignment_volunteer_id_fkey' })
  volunteer?: User;

  @Column({ name: 'squad_id', type: 'uuid', nullable: true })
  squadId!: string | null;

  @ManyToOne(() => Squad, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'squad_id', foreignKeyConstraintName: 'order_assignment_squad_id_fkey' })
  squad?: Squad | null;

  @Column({ type: 'text' })
  state!: AssignmentState;

  @Column({ name: 'accepted_at', type: 'timestamptz' })
  acceptedAt!: Date;

  @Column({ name: 'checked_in_at', type: 'timestamptz', nullable: true })
  checkedInAt!: Date | null;

  /** When they were reminded to go (提醒上门) for want of a check-in; the no-show sweep counts its grace from here. */
  @Column({ name: 'reminded_at', type: 'timestamptz', nullable: true })
  remindedAt!: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  @Column({ name: 'end_reason', type: 'text', nullable: true })
  endReason!: string | null;

  @Column({ name: 'check_in_lat', type: 'double precision', nullable: true })
  checkInLat!: number | null;

  @Column({ name: 'check_in_lng', type: 'double precision', nullable: true })
  checkInLng!: number | null;

  @Column({ name: 'check_in_distance_m', type: 'double precision', nullable: true })
  checkInDistanceM!: number | null;

  @Column({ name: 'check_in_far', type: 'boolean', default: false })
  checkInFar!: boolean;

  @Column({ name: 'service_minutes', type: 'integer', nullable: true })
  serviceMinutes!: number | null;

  @Column({ type: 'text', nullable: true })
  note!: string | null;

  @Column({ name: 'photo_urls', type: 'text', array: true, default: () => `'{}'` })
  photoUrls!: string[];
}

@Entity({ name: 'order_event' })
@Check(
  'order_event_type_check',
  `type IN ('created', 'dispatch', 'reject', 'accept', 'release', 'check_in', 'complete', 'confirm', 'reopen', 'cancel', 'escalate', 'offer', 'recall', 'urge', 'no_show', 'remind')`,
)
@Index('order_event_escalate_idx', { synchronize: false })
@Index('order_event_reject_actor_idx', { synchronize: false })
export class OrderEvent {
  /** With seq, the key: an order's events are numbered 1, 2, 3… */
  @PrimaryColumn({ name: 'order_id', type: 'uuid', primaryKeyConstraintName: 'order_event_pkey' })
  orderId!: string;

  @ManyToOne(() => ServiceOrder, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'order_id', foreignKeyConstraintName: 'order_event_order_id_fkey' })
  order?: ServiceOrder;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'order_event_pkey' })
  seq!: number;

  @Column({ type: 'text' })
  type!: OrderEventType;

  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId!: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'actor_id', foreignKeyConstraintName: 'order_event_actor_id_fkey' })
  actor?: User | null;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ name: 'from_status', type: 'text', nullable: true })
  fromStatus!: OrderStatus | null;

  @Column({ name: 'to_status', type: 'text' })
  toStatus!: OrderStatus;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  data!: Record<string, unknown>;
}
