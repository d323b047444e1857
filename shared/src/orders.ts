import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { API_PREFIX } from './api';
import { CATEGORY_CODE } from './domain';
import { ORDER_STATUSES, ORDER_STATUS_NAMES, isLegalMove, type OrderAction, type OrderStatus } from './order-state';
import { LatLngDto } from './people';
import type { DispatchMode } from './matching';
import { Field, Optional, choiceWords } from './validation';
import { CursorField, LimitField, TimeField } from './fields';

export const ORDERS_PATH = `${API_PREFIX}/orders`;
export const TASKS_PATH = `${API_PREFIX}/tasks`;
export const STATS_PATH = `${API_PREFIX}/stats`;
export const UPLOADS_PATH = `${API_PREFIX}/uploads`;

/** An uploaded photo's file name: a random uuid and the extension of the type its bytes were recognised as. */
export const UPLOAD_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(?:jpg|png|webp)$/;

/** `POST /uploads` answers where the photo now is: `/api/v1/uploads/<uuid>.<ext>` (sent back as a `photoUrls` item). */
export interface UploadDto {
  url: string;
}

/**
 * A completion photo: an http(s) address, or the server-relative address our own upload answered (nothing else
 * under `/`, so a path can only ever name an uploaded photo). One pattern, so the OpenAPI document shows it.
 */
export const PHOTO_URL = new RegExp(`^(?:https?://[^\\s/?#@]+(?:[/?#]\\S*)?|${UPLOADS_PATH}/${UPLOAD_NAME.source.slice(1, -1)})$`);

export const URGENCIES = ['normal', 'urgent'] as const;
export type Urgency = (typeof URGENCIES)[number];
export const URGENCY_NAMES: Record<Urgency, string> = { normal: '普通', urgent: '紧急' };

/** How the order reached us: the resident's own phone, a call to the grid worker, or a visit to the office. */
export const ORDER_CHANNELS = ['miniapp', 'phone', 'walk_in'] as const;
export type OrderChannel = (typeof ORDER_CHANNELS)[number];
export const ORDER_CHANNEL_NAMES: Record<OrderChannel, string> = { miniapp: '小程序', phone: '电话', walk_in: '上门' };

/**
 * 三级联动: an order is first the grid's; not accepted before its category's deadline it moves up a level, to the
 * community, the town, then the county — visible to that level's dispatchers and that wider area's volunteers.
 */
export const ESCALATION_LEVELS = ['grid', 'community', 'town', 'county'] as const;
export type EscalationLevel = (typeof ESCALATION_LEVELS)[number];
export const ESCALATION_LEVEL_NAMES: Record<EscalationLevel, string> = {
  grid: '网格',
  community: '嘎查村（社区）',
  town: '苏木乡镇（街道）',
  county: '旗县',
};

/**
 * What one person on an order is doing: an order with headcount N has up to N of these at a time. A place ended is
 * given back (`released`, 退单), never came (`no_show`), went with the order (`cancelled`), or was taken back by staff
 * (`recalled`, 撤回改派: their decision, so it does not count against the person's reliability).
 */
export const ASSIGNMENT_STATES = ['accepted', 'in_service', 'completed', 'released', 'no_show', 'cancelled', 'recalled'] as const;
export type AssignmentState = (typeof ASSIGNMENT_STATES)[number];

/**
 * Why staff should look at an order's text: WeChat's content check said `review` (perhaps not fit to show), or could
 * not be asked (`unchecked`, WeChat did not answer). The order is taken either way: a request for help is never lost.
 */
export const CONTENT_REVIEWS = ['review', 'unchecked'] as const;
export type ContentReview = (typeof CONTENT_REVIEWS)[number];

/** The timeline of an order: every transition, and every dispatch, reject and escalation. */
export const ORDER_EVENT_TYPES = [
  'created',
  'dispatch',
  'reject',
  'accept',
  'release',
  'check_in',
  'complete',
  'confirm',
  'reopen',
  'cancel',
  'escalate',
  // issue 20: offers to several at once, 撤回改派, 催一下, no-shows and reminders
  'offer',
  'recall',
  'urge',
  'no_show',
  'remind',
] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/** A check-in farther than this from the resident's location is flagged on the order. */
export const FAR_CHECK_IN_METERS = 500;

// ---------- requests ----------

const ReasonField = () => Field(IsString(), MinLength(1, { message: '请说明原因' }), MaxLength(200));
/** Who an order is sent to (派单, 撤回改派): one person, or one squad. */
const AssigneeField = () => Field(Optional(), IsUUID('all', { message: '接单人编号格式不正确' }));
const SquadField = () => Field(Optional(), IsUUID('all', { message: '小分队编号格式不正确' }));
const IsoTime = TimeField;

export class CreateOrderDto {
  @Matches(CATEGORY_CODE, { message: '服务类别编码格式不正确' })
  categoryCode!: string;

  @IsString()
  @MinLength(1, { message: '请描述需要什么帮助' })
  @MaxLength(500)
  description!: string;

  /** Where to go; the resident's own address when absent. */
  @Optional()
  @IsString()
  @MaxLength(200)
  address?: string;

  /** The door's location; the resident's when absent. */
  @Optional()
  @ValidateNested()
  @Type(() => LatLngDto)
  location?: LatLngDto;

  @Optional()
  @IsoTime()
  preferredStart?: string;

  @Optional()
  @IsoTime()
  preferredEnd?: string;

  @IsIn(URGENCIES, { message: `紧急程度须为 ${choiceWords(URGENCIES.map((x) => URGENCY_NAMES[x]))}` })
  urgency!: Urgency;

  /** How many people are needed (助农抢收, 房屋修缮 need several). */
  @Optional()
  @IsInt()
  @Min(1)
  @Max(50)
  headcount?: number;

  /** 代下单: a grid worker or dispatcher ordering for a resident of their jurisdiction. */
  @Optional()
  @IsUUID('all', { message: '居民编号格式不正确' })
  residentId?: string;

  @Optional()
  @IsIn(ORDER_CHANNELS, { message: `渠道须为 ${choiceWords(ORDER_CHANNELS.map((x) => ORDER_CHANNEL_NAMES[x]))}` })
  channel?: OrderChannel;

  /**
   * Staff only (代下单): the resident already has an open order of this service and this is a second, different need
   * (two repairs at once); without it such an order is refused (409 ORDER_REPEATED) and the first one may be urged.
   */
  @Optional()
  @IsBoolean()
  allowRepeat?: boolean;
}

/** 催一下: the order becomes urgent and the staff are told; a word for them may go with it (on the timeline). */
export class UrgeOrderDto {
  /** e.g. 「药快吃完了」 */
  @Optional()
  @IsString()
  @MaxLength(200)
  note?: string;
}

export class DispatchOrderDto {
  /** One person… */
  @AssigneeField()
  assigneeId?: string;

  /** …or a squad, whose members may accept it. Exactly one of the two. */
  @SquadField()
  squadId?: string;
}

/**
 * 撤回改派: staff take back a dispatch, or an accepted order before check-in, with a reason (on the timeline and in the
 * message to the people recalled), and may send it on in the same step to one person or one squad.
 */
export class RecallOrderDto {
  @ReasonField()
  reason!: string;

  /** Of several people on the order, take back only this one's place (the others keep theirs). */
  @Optional()
  @IsUUID('all', { message: '志愿者编号格式不正确' })
  volunteerId?: string;

  /** Send it on at once to this person… */
  @AssigneeField()
  assigneeId?: string;

  /** …or to this squad (at most one of the two; neither: the order waits again). */
  @SquadField()
  squadId?: string;
}

export class AcceptOrderDto {
  /** A word for the resident and the dispatcher, e.g. "二十分钟后到" (on the timeline). */
  @Optional()
  @IsString()
  @MaxLength(200)
  note?: string;
}

/** Reject a dispatch, release an accepted order, cancel: a reason is always asked for (it is on the timeline). */
export class OrderReasonDto {
  @ReasonField()
  reason!: string;
}

export class CheckInDto {
  /** Where the volunteer is when checking in (the phone's location); compared with the resident's. */
  @Optional()
  @ValidateNested()
  @Type(() => LatLngDto)
  location?: LatLngDto;
}

export class CompleteOrderDto {
  @IsString()
  @MinLength(1, { message: '请简要说明服务内容' })
  @MaxLength(500)
  note!: string;

  @Optional()
  @IsArray()
  @ArrayMaxSize(9)
  @Matches(PHOTO_URL, { each: true, message: '照片须为网址' })
  photoUrls?: string[];
}

export class ConfirmOrderDto {
  /** false: the problem was not solved — the order is reopened (same order, history kept). */
  @IsBoolean()
  resolved!: boolean;

  @Optional()
  @IsInt()
  @Min(1, { message: '评分须为 1 到 5 的整数' })
  @Max(5, { message: '评分须为 1 到 5 的整数' })
  rating?: number;

  @Optional()
  @IsString()
  @MaxLength(300)
  comment?: string;
}

const StatusField = () => IsIn(ORDER_STATUSES, { message: `状态须为 ${choiceWords(ORDER_STATUSES.map((x) => ORDER_STATUS_NAMES[x]))}` });

export class ListOrdersQuery {
  @Optional()
  @StatusField()
  status?: OrderStatus;

  @Optional()
  @IsUUID('all', { message: '地区编号格式不正确' })
  regionId?: string;

  @Optional()
  @Matches(CATEGORY_CODE, { message: '服务类别编码格式不正确' })
  categoryCode?: string;

  /** Only this resident's orders (family following a resident: 我的家人). */
  @Optional()
  @IsUUID('all', { message: '居民编号格式不正确' })
  residentId?: string;

  /** Staff: only the orders that have reached their level (三级联动) and that they may dispatch. */
  @Optional()
  @IsIn(['true', 'false'], { message: '须为 是 或 否' })
  actionable?: 'true' | 'false';

  /** Staff: only the orders whose text is waiting for them to look at (WeChat's content check, `contentReview`). */
  @Optional()
  @IsIn(['true', 'false'], { message: '须为 是 或 否' })
  contentReview?: 'true' | 'false';

  /** Ordered at or after. */
  @Optional()
  @IsoTime()
  from?: string;

  /** Ordered before. */
  @Optional()
  @IsoTime()
  to?: string;

  @Optional()
  @CursorField()
  cursor?: string;

  @Optional()
  @LimitField()
  limit?: number;
}

export class MyTasksQuery {
  @Optional()
  @StatusField()
  status?: OrderStatus;

  @Optional()
  @CursorField()
  cursor?: string;

  @Optional()
  @LimitField()
  limit?: number;
}

export class StatsQuery {
  @Optional()
  @IsUUID('all', { message: '地区编号格式不正确' })
  regionId?: string;

  @Optional()
  @IsoTime()
  from?: string;

  @Optional()
  @IsoTime()
  to?: string;
}

/** GET /orders/overdue: orders waiting past their deadline under a place (staff; the caller's jurisdiction by default). */
export class OverdueOrdersQuery {
  @Optional()
  @IsUUID('all', { message: '地区编号格式不正确' })
  regionId?: string;

  @Optional()
  @LimitField()
  limit?: number;
}

// ---------- answers ----------

/** 兜底责任人: the person answerable for an order from the first minute (a paired cadre 包联, or a grid worker). */
export interface OrderResponsibleDto {
  id: string;
  name: string;
  /** `138****0001` unless the viewer sees the order in full (null: no mobile on record). */
  phone: string | null;
  phoneMasked: boolean;
}

/** The resident an order is for, as this viewer may see them. */
export interface OrderResidentDto {
  id: string;
  name: string;
  /** `138****0001` unless the viewer may see it. */
  phone: string | null;
  /** A fixed-line number for a resident without a mobile (`0471-*****67` when `phoneMasked`). */
  landline: string | null;
  phoneMasked: boolean;
}

export interface AssignmentDto {
  userId: string;
  name: string;
  squadId: string | null;
  state: AssignmentState;
  acceptedAt: string;
  checkedInAt: string | null;
  completedAt: string | null;
  /** Check-in to completion, whole minutes. */
  serviceMinutes: number | null;
  /** How far from the resident's door the check-in was made (null without locations). */
  checkInDistanceMeters: number | null;
  checkInFar: boolean;
  note: string | null;
  photoUrls: string[];
}

export interface OrderDto {
  id: string;
  status: OrderStatus;
  categoryCode: string;
  categoryName: string;
  description: string;
  /** Cut to the community's name unless the viewer may see it. */
  address: string | null;
  addressMasked: boolean;
  /** Null when masked. */
  location: { lat: number; lng: number } | null;
  urgency: Urgency;
  headcount: number;
  /** People on it now (accepted, serving or done in this round). */
  acceptedCount: number;
  channel: OrderChannel;
  resident: OrderResidentDto;
  /** Who placed it: the resident, or the proxy who ordered for them. */
  requesterId: string;
  regionId: string;
  regionName: string;
  escalationLevel: EscalationLevel;
  /** When it moves up a level if nobody has accepted it (null at the top). */
  escalateAt: string | null;
  /** The category's acceptance deadline, counted from ordering. */
  deadlineAt: string;
  preferredStart: string | null;
  preferredEnd: string | null;
  dispatchedToUserId: string | null;
  dispatchedToSquadId: string | null;
  /** How it is dispatched: by people (manual), by the system at once (auto), or after the task hall (pool). */
  dispatchMode: DispatchMode;
  assignees: AssignmentDto[];
  /** A check-in was made far from the resident's door. */
  farCheckIn: boolean;
  reopenCount: number;
  rating: number | null;
  ratingComment: string | null;
  cancelReason: string | null;
  /** Staff only (null for everyone else): its text waits for staff to look at it, and why. */
  contentReview: ContentReview | null;
  /** 兜底责任人 (null only for an order placed before there was one, or a place with no staff at all). */
  responsible: OrderResponsibleDto | null;
  /** Still waiting for someone past its deadline: minutes since it was placed (null when not overdue). */
  waitedMinutes: number | null;
  /** 催一下: how many times the resident (or who ordered for them, or family) urged it, and when last. */
  urgeCount: number;
  lastUrgedAt: string | null;
  /** Staff placed it knowingly beside this open order of the same service (a second, different need). */
  repeatOf: string | null;
  createdAt: string;
  updatedAt: string;
  /** What the viewer may do now (the buttons to show). */
  actions: OrderAction[];
}

/** An order offered to the volunteer among several (同时请几位，先接先得). */
export interface TaskOfferDto {
  /** How many people were asked in this round so far ("同时请了 5 位"). */
  askedCount: number;
  /** Answer by then (the next wave's time); the offer stays open after it while the order waits. */
  answerBy: string;
}

export interface PoolTaskDto extends OrderDto {
  /** From the volunteer's location to the resident's, in metres (null without locations). */
  distanceMeters: number | null;
  /** Offered to this volunteer now (these come first in the hall); null: an ordinary order of the hall. */
  offer: TaskOfferDto | null;
}

export interface TaskPoolDto {
  /** Whether the volunteer may accept now (on duty and inside a roster slot); they see the hall either way. */
  availableNow: boolean;
  items: PoolTaskDto[];
}

export interface OrderEventDto {
  seq: number;
  type: OrderEventType;
  /** Null for the system (escalation sweep). */
  actorId: string | null;
  actorName: string | null;
  at: string;
  fromStatus: OrderStatus | null;
  toStatus: OrderStatus;
  reason: string | null;
  data: Record<string, unknown>;
}

/** A volunteer's record of service: what the matching and the people running the service judge reliability by. */
export interface ServiceRecordDto {
  userId: string;
  /** Places taken (every round of every order). */
  accepted: number;
  completed: number;
  /** Check-in to completion, summed. */
  serviceMinutes: number;
  /** Places given back before check-in (退单). */
  released: number;
  /** Accepted but never came by the time the work was done. */
  noShows: number;
  /** Dispatches declined (拒绝派单). */
  rejectedDispatches: number;
  /** Check-ins flagged far from the door (or without a location). */
  farCheckIns: number;
  /** Of the closed orders they completed. */
  averageRating: number | null;
  /** completed ÷ (completed + released + noShows); null before the first of these. */
  reliability: number | null;
}

export interface StatsOverviewDto {
  regionId: string | null;
  from: string | null;
  to: string | null;
  total: number;
  byStatus: Record<OrderStatus, number>;
  byCategory: Array<{ categoryCode: string; categoryName: string; count: number }>;
  /** Distinct residents with a completed (or closed) order. */
  peopleServed: number;
  volunteerServiceHours: number;
  /** Minutes from ordering to the first acceptance. */
  medianMinutesToAccept: number | null;
  p90MinutesToAccept: number | null;
  /** Of the orders accepted or past their deadline: the share accepted before it (0..1). */
  acceptedBeforeDeadlineShare: number | null;
  averageRating: number | null;
  escalations: number;
}

/**
 * Replays an order's timeline to the status it must be in now, checking every step: the first event creates it
 * `pending`, each later one starts where the previous ended and is a move the state machine allows; an escalation,
 * an offer and a reminder leave the status as it was; a no-show moves as a release does. Throws on a log that does not add up (what the property test looks for).
 */
export function replayOrderEvents(events: ReadonlyArray<Pick<OrderEventDto, 'seq' | 'type' | 'fromStatus' | 'toStatus'>>): OrderStatus {
  let status: OrderStatus | null = null;
  events.forEach((e, i) => {
    if (e.seq !== i + 1) throw new Error(`event ${i + 1} has seq ${e.seq}`);
    if (i === 0) {
      if (e.type !== 'created' || e.fromStatus !== null || e.toStatus !== 'pending') throw new Error('the first event must create the order as pending');
      status = 'pending';
      return;
    }
    if (e.fromStatus !== status) throw new Error(`event ${e.seq} (${e.type}) starts from ${String(e.fromStatus)}, the order was ${String(status)}`);
    if (e.type === 'created') throw new Error(`event ${e.seq} creates the order again`);
    if (e.type === 'escalate' || e.type === 'offer') {
      if (e.toStatus !== status || (status !== 'pending' && status !== 'dispatched'))
        throw new Error(`event ${e.seq} (${e.type}) on a ${String(status)} order`);
      return;
    }
    if (e.type === 'remind') {
      if (e.toStatus !== status || (status !== 'accepted' && status !== 'pending' && status !== 'in_service'))
        throw new Error(`event ${e.seq} reminds on a ${String(status)} order`);
      return;
    }
    // a no-show (accepted, never came by the agreed time) gives the place back as a release does
    const move = e.type === 'no_show' ? 'release' : e.type;
    if (!isLegalMove(status!, move, e.toStatus)) throw new Error(`event ${e.seq}: ${e.type} cannot lead from ${String(status)} to ${e.toStatus}`);
    status = e.toStatus;
  });
  if (status === null) throw new Error('an order has at least its creation event');
  return status;
}
