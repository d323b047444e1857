import type { RosterSlot } from '@bangbang/shared';
import type { Prng } from './random';

/**
 * A weekly roster as the demo draws them: none (any time while on duty), daytime on weekdays, or evenings and
 * weekends; an employed person (在职) mostly evenings and weekends. The demo seed and the simulation (sim/world.ts)
 * both draw rosters with it, so the simulated county's volunteers keep the demo's hours.
 */
export function rosterFor(rng: Prng, employed: boolean): RosterSlot[] | null {
  const kind = employed
    ? rng.weighted<'day' | 'evening'>([
        ['evening', 85],
        ['day', 15],
      ])
    : rng.weighted<'none' | 'day' | 'evening'>([
        ['none', 30],
        ['day', 35],
        ['evening', 35],
      ]);
  if (kind === 'none') return null;
  if (kind === 'day') {
    const days = rng.chance(0.6)
      ? [1, 2, 3, 4, 5]
      : rng
          .shuffle([1, 2, 3, 4, 5])
          .slice(0, rng.int(2, 3))
          .sort((a, b) => a - b);
    const start = rng.pick(['08:00', '08:30', '09:00']);
    const end = rng.pick(['11:30', '12:00', '17:00', '17:30']);
    return days.map((weekday) => ({ weekday, start, end }));
  }
  const slots: RosterSlot[] = [];
  if (rng.chance(0.6)) {
    const start = rng.pick(['18:30', '19:00']);
    const end = rng.pick(['21:00', '21:30']);
    for (const weekday of [1, 2, 3, 4, 5]) slots.push({ weekday, start, end });
  }
  if (slots.length === 0 || rng.chance(0.8)) {
    const end = rng.pick(['12:00', '17:00', '18:00']);
    for (const weekday of rng.chance(0.7) ? [6, 7] : [rng.pick([6, 7])]) slots.push({ weekday, start: '09:00', end });
  }
  return slots;
}
