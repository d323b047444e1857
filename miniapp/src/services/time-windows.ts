/**
 * The few "when" choices of ordering (尽快 / 今天下午 / 明天上午 / 明天下午) as ISO times in Beijing time (UTC+8, the
 * region's clock, whatever the phone's zone). Pure, so it can be tested; fewer choices than a date picker on purpose.
 */

export interface TimeWindow {
  key: string;
  label: string;
  /** Absent for 尽快 (as soon as possible). */
  start?: string;
  end?: string;
}

const OFFSET_MS = 8 * 3600_000;
const pad = (n: number) => String(n).padStart(2, '0');

/** `day` days after today (Beijing), at `hour`:00 Beijing time, as `2026-11-23T14:00:00+08:00`. */
function beijing(now: Date, day: number, hour: number): string {
  const local = new Date(now.getTime() + OFFSET_MS + day * 86_400_000);
  return `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(hour)}:00:00+08:00`;
}

export function timeWindows(now: Date = new Date()): TimeWindow[] {
  const hour = new Date(now.getTime() + OFFSET_MS).getUTCHours();
  const windows: TimeWindow[] = [{ key: 'asap', label: '尽快' }];
  // a window still ahead today; once the afternoon has begun it is no longer offered
  if (hour < 9) windows.push({ key: 'today-am', label: '今天上午', start: beijing(now, 0, 9), end: beijing(now, 0, 12) });
  if (hour < 14) windows.push({ key: 'today-pm', label: '今天下午', start: beijing(now, 0, 14), end: beijing(now, 0, 18) });
  windows.push({ key: 'tomorrow-am', label: '明天上午', start: beijing(now, 1, 9), end: beijing(now, 1, 12) });
  windows.push({ key: 'tomorrow-pm', label: '明天下午', start: beijing(now, 1, 14), end: beijing(now, 1, 18) });
  return windows;
}
