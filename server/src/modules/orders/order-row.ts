import type { AssignmentState, ContentReview, DispatchMode, EscalationLevel, OrderChannel, OrderStatus, ServiceKind, Urgency } from '@bangbang/shared';

/**
 * An order as the module reads it (order.repo.ts's `orderSelect`): the service_order row plus the names shown with
 * it, in one query. The table is described three times — its migration, its entity (order.entity.ts) and this type
 * — and `SERVICE_ORDER_COLUMNS` below ties them: the compiler checks that it names exactly this type's table
 * columns, and tests/server/order-row.test.ts that it names exactly the migrated table's and the entity's.
 */
export interface OrderRow {
  id: string;
  resident_id: string;
  requester_id: string;
  channel: OrderChannel;
  category_code: string;
  category_name: string;
  /** The service's kind now (the catalogue's; an admin may change it while the order waits). */
  category_kind: ServiceKind;
  accept_minutes_normal: number;
  accept_minutes_urgent: number;
  description: string;
  address: string | null;
  location_lat: number | null;
  location_lng: number | null;
  preferred_start: Date | null;
  preferred_end: Date | null;
  urgency: Urgency;
  headcount: number;
  accepted_count: number;
  status: OrderStatus;
  region_id: string;
  region_name: string;
  region_path: string;
  /** The community (嘎查村/社区) the resident lives in: what a masked address is cut to. */
  community_name: string;
  escalation_level: EscalationLevel;
  scope_region_id: string;
  scope_path: string;
  escalate_at: Date | null;
  deadline_at: Date;
  dispatched_to_user_id: string | null;
  dispatched_to_squad_id: string | null;
  round: number;
  version: number;
  first_accepted_at: Date | null;
  completed_at: Date | null;
  closed_at: Date | null;
  cancelled_at: Date | null;
  cancel_reason: string | null;
  far_check_in: boolean;
  rating: number | null;
  rating_comment: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
  dispatch_mode: DispatchMode;
  auto_dispatch_at: Date | null;
  /** The last wave of offers sent in this round (0: none). */
  offer_wave: number;
  content_review: ContentReview | null;
  /** 兜底责任人: the paired cadre of a ledger household, else a grid worker of the resident's grid (set at creation). */
  responsible_id: string | null;
  responsible_name: string | null;
  responsible_phone: string | null;
  /** 催一下: times urged, and when last. */
  urge_count: number;
  last_urged_at: Date | null;
  /** When it was last reopened: its present wait began then (null: never). */
  reopened_at: Date | null;
  /** The first round's deadline, once a reopening has set `deadline_at` anew (statistics' on-time share). */
  first_deadline_at: Date | null;
  /** The open order of the same service staff knowingly placed this one beside (null: none; see migration AddOrderUrges). */
  repeat_of: string | null;
  resident_name: string;
  resident_phone: string | null;
  resident_landline: string | null;
  /**
   * The resident can confirm the order themself or through family: they can log in (a mobile or WeChat) or have a
   * family contact. When not, staff confirm after calling them back (电话回访; the `callback` relation).
   */
  resident_confirms: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface AssignmentRow {
  id: string;
  order_id: string;
  round: number;
  volunteer_id: string;
  volunteer_name: string;
  squad_id: string | null;
  state: AssignmentState;
  accepted_at: Date;
  checked_in_at: Date | null;
  reminded_at: Date | null;
  completed_at: Date | null;
  check_in_distance_m: number | null;
  check_in_far: boolean;
  service_minutes: number | null;
  note: string | null;
  photo_urls: string[];
}

/** Minutes an order of this urgency may wait for acceptance before it escalates. */
export function acceptMinutes(o: Pick<OrderRow, 'urgency' | 'accept_minutes_normal' | 'accept_minutes_urgent'>): number {
  return o.urgency === 'urgent' ? o.accept_minutes_urgent : o.accept_minutes_normal;
}

/** States in which a person holds a place on the order. */
export const HOLDING: readonly AssignmentState[] = ['accepted', 'in_service', 'completed'];

/** The names shown with an order, read from other tables (everything else in OrderRow is a service_order column). */
export type JoinedOrderFields =
  | 'category_name'
  | 'category_kind'
  | 'accept_minutes_normal'
  | 'accept_minutes_urgent'
  | 'region_name'
  | 'community_name'
  | 'resident_name'
  | 'resident_phone'
  | 'resident_landline'
  | 'resident_confirms'
  | 'responsible_name'
  | 'responsible_phone';

/** service_order's columns, as OrderRow types them (a column missing here, or one too many, does not compile). */
export const SERVICE_ORDER_COLUMNS = Object.keys({
  id: true,
  resident_id: true,
  requester_id: true,
  channel: true,
  category_code: true,
  description: true,
  address: true,
  location_lat: true,
  location_lng: true,
  preferred_start: true,
  preferred_end: true,
  urgency: true,
  headcount: true,
  accepted_count: true,
  status: true,
  region_id: true,
  region_path: true,
  escalation_level: true,
  scope_region_id: true,
  scope_path: true,
  escalate_at: true,
  deadline_at: true,
  dispatched_to_user_id: true,
  dispatched_to_squad_id: true,
  round: true,
  version: true,
  first_accepted_at: true,
  completed_at: true,
  closed_at: true,
  cancelled_at: true,
  cancel_reason: true,
  far_check_in: true,
  rating: true,
  rating_comment: true,
  idempotency_key: true,
  request_hash: true,
  dispatch_mode: true,
  auto_dispatch_at: true,
  offer_wave: true,
  content_review: true,
  responsible_id: true,
  urge_count: true,
  last_urged_at: true,
  reopened_at: true,
  first_deadline_at: true,
  repeat_of: true,
  created_at: true,
  updated_at: true,
} satisfies Record<Exclude<keyof OrderRow, JoinedOrderFields>, true>);
