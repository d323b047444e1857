import type { Level, Resident, SimCategory, Volunteer, World } from './world';

/**
 * The simulation's running state, as the engine (engine.ts) keeps it and the policies (policies.ts) read it: here,
 * apart from both, so that the engine can call the policies without the policies importing the engine back.
 */

export interface SimOrder {
  id: number;
  resident: Resident;
  grid: number;
  category: SimCategory;
  urgent: boolean;
  createdAt: number;
  /** Minutes an order may wait at a level before it escalates (the catalogue's accept deadline). */
  deadline: number;
  /** Index into LEVELS. */
  level: number;
  /**
   * pending: nobody has it (offers may be out); dispatched: sent to one person, awaiting their answer (sequential);
   * accepted: someone has it (at the end: and served); never_served: given up, or a no-show nobody noticed.
   */
  status: 'pending' | 'dispatched' | 'accepted' | 'never_served';
  /** Volunteers holding a live offer (sequential: the one it is dispatched to). */
  offeredTo: Set<number>;
  /** Volunteers who refused, let a dispatch time out, or did not show up: never asked again. */
  refusedBy: Set<number>;
  acceptedAt: number | null;
  acceptedBy: number | null;
  /** A grid worker (or cadre acting as responsible) who took it themselves. */
  takenByStaff: number | null;
  /** The index of the offers' widening step reached. */
  step: number;
  /** Increases with every accept: timed events of an earlier acceptance are stale. */
  acceptSeq: number;
  /** Whether the current acceptance will be a no-show (drawn at accept). */
  noShow: boolean;
  /** A responsible person's alarm or phone round is under way (no second one is started). */
  alarmActive: boolean;
}

export interface VolunteerState {
  /** Tasks in hand: accepted and not yet done (or a no-show not yet noticed). */
  active: number;
  /** Sequential dispatches awaiting their answer. */
  pending: number;
  /** The most tasks in hand at once, over the run. */
  maxActive: number;
  /** When the tasks in hand will all be done. */
  freeAt: number;
  /** Accepted tasks, per simulated day. */
  tasksByDay: number[];
  acceptedByCategory: Map<string, number>;
  rejectedByCategory: Map<string, number>;
  ratingsByCategory: Map<string, { sum: number; count: number }>;
}

export type Via = 'dispatch' | 'offer' | 'hall' | 'call';
export type Responsible = 'gridWorker' | 'cadre' | 'dutyDesk';

/** What happened, for the report and for the tests' invariants. */
export type SimRecord =
  | { t: number; kind: 'create'; order: number }
  | { t: number; kind: 'dispatch' | 'offer' | 'withdraw' | 'decline' | 'timeout' | 'remind' | 'no_show'; order: number; volunteer: number }
  | { t: number; kind: 'accept'; order: number; volunteer: number; via: Via; level: Level }
  | { t: number; kind: 'escalate'; order: number; level: Level }
  | { t: number; kind: 'alarm'; order: number; who: Responsible }
  | { t: number; kind: 'staff_take'; order: number; staff: number }
  | { t: number; kind: 'never_served'; order: number; reason: 'gave_up' | 'no_show' };

export interface SimState {
  world: World;
  volunteers: VolunteerState[];
  now: number;
  distance(v: Volunteer, order: SimOrder): number;
  todayTasks(volunteerId: number): number;
}
