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
  /** Minutes an order may wait at a level before it escalates. */
  deadline: number;
  /** Index into LEVELS. */
  level: number;
  status: 'waiting' | 'offered' | 'accepted' | 'never_served';
  offeredTo: number | null;
  refusedBy: Set<number>;
  acceptedAt: number | null;
  acceptedBy: number | null;
}

export interface VolunteerState {
  /** Tasks in hand: accepted and not yet done. */
  active: number;
  /** Dispatches awaiting their answer. */
  pending: number;
  /** When the tasks in hand will all be done. */
  freeAt: number;
  /** Accepted tasks, per simulated day. */
  tasksByDay: number[];
  total: number;
  acceptedByCategory: Map<string, number>;
  rejectedByCategory: Map<string, number>;
  ratingsByCategory: Map<string, { sum: number; count: number }>;
}

/** What happened, for the report and for the tests' invariants. */
export type SimRecord =
  | { t: number; kind: 'create'; order: number }
  | { t: number; kind: 'dispatch' | 'accept' | 'reject' | 'timeout'; order: number; volunteer: number; level: Level }
  | { t: number; kind: 'escalate'; order: number; level: Level }
  | { t: number; kind: 'give_up'; order: number };

export interface SimState {
  world: World;
  volunteers: VolunteerState[];
  now: number;
  distance(v: Volunteer, order: SimOrder): number;
  todayTasks(volunteerId: number): number;
}
