/** A weekly roster slot: weekday 1 (Monday) – 7 (Sunday), "HH:MM" local times, start before end. */
export interface RosterSlot {
  weekday: number;
  start: string;
  end: string;
}

/** Inner Mongolia keeps Beijing time (UTC+8, no daylight saving): rosters are read in it. */
export const SERVICE_UTC_OFFSET_MINUTES = 8 * 60;

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** True when the slot's start is before its end (a slot never crosses midnight: split it in two). */
export function isValidSlot(slot: RosterSlot): boolean {
  return minutesOf(slot.start) < minutesOf(slot.end);
}

/**
 * "Available now" (可接单): on duty, and inside a roster slot — or no roster set at all (always, while on duty).
 * Like a driver going online: the switch is the person's, the roster is the plan.
 */
export function isAvailableNow(onDuty: boolean, roster: RosterSlot[] | null, now: Date = new Date()): boolean {
  if (!onDuty) return false;
  if (roster === null || roster.length === 0) return true;
  const local = new Date(now.getTime() + SERVICE_UTC_OFFSET_MINUTES * 60_000);
  const weekday = local.getUTCDay() === 0 ? 7 : local.getUTCDay();
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  return roster.some((s) => s.weekday === weekday && minutesOf(s.start) <= minute && minute < minutesOf(s.end));
}

export interface DutyStatusDto {
  onDuty: boolean;
  availableNow: boolean;
  roster: RosterSlot[] | null;
}
