/**
 * Quiet hours (QUIET_HOURS, config.notify.quietHours): the whole hours of Beijing time when no notice SMS goes out,
 * except for urgent orders (the delivery job decides that). Beijing time is UTC+8 all year (China has no daylight
 * saving), so it is computed from UTC and never from the server's own time zone, which may be anything.
 */

export interface QuietHours {
  /** The first quiet hour, 0–23 (22: from 22:00:00). */
  from: number;
  /** The first hour that is no longer quiet, 0–23 (7: until 06:59:59). Less than `from`: the range spans midnight. */
  to: number;
}

const BEIJING_OFFSET_MS = 8 * 3_600_000;
const HOUR_MS = 3_600_000;

/** The hour (0–23) of Beijing time at `now`. */
export function beijingHour(now: Date): number {
  return new Date(now.getTime() + BEIJING_OFFSET_MS).getUTCHours();
}

/**
 * Whether `now` falls in the quiet hours: `from` inclusive, `to` exclusive, in Beijing time. 22-7 is quiet from
 * 22:00:00 to 06:59:59.999; 13-15 from 13:00 to 14:59. null (QUIET_HOURS=off), or from = to (which the configuration
 * refuses): never quiet.
 */
export function inQuietHours(now: Date, quiet: QuietHours | null): boolean {
  if (!quiet || quiet.from === quiet.to) return false;
  const h = beijingHour(now);
  return quiet.from < quiet.to ? h >= quiet.from && h < quiet.to : h >= quiet.from || h < quiet.to;
}

/**
 * When the quiet hours that `now` is in end (the next `to`:00:00 Beijing time), for a notice the job defers rather
 * than drops; undefined when `now` is not in quiet hours.
 */
export function quietHoursEnd(now: Date, quiet: QuietHours | null): Date | undefined {
  if (!quiet || !inQuietHours(now, quiet)) return undefined;
  const local = now.getTime() + BEIJING_OFFSET_MS;
  const startOfLocalHour = local - (local % HOUR_MS);
  const hoursUntil = (quiet.to - beijingHour(now) + 24) % 24;
  return new Date(startOfLocalHour + hoursUntil * HOUR_MS - BEIJING_OFFSET_MS);
}
