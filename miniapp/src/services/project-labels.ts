import { CLAIM_STATUS_NAMES, PROJECT_STATUS_NAMES, type ProjectDto } from '@bangbang/shared';
import { formatTime } from './labels';

/** When a project runs, in Beijing time: 「12月10日 09:00–12:00」 (or both ends in full when it spans days). */
export function projectWhen(p: Pick<ProjectDto, 'startsAt' | 'endsAt'>): string {
  const start = formatTime(p.startsAt);
  const end = formatTime(p.endsAt);
  const [startDay] = start.split(' ');
  const [endDay, endHour] = end.split(' ');
  return startDay === endDay && endHour !== undefined ? `${start}–${endHour}` : `${start} 至 ${end}`;
}

/** The status line of a project card: the person's own claim first, then the project's state and places left. */
export function projectStatusLine(p: ProjectDto): string {
  if (p.myClaim && p.myClaim.status !== 'cancelled') {
    const credit = p.myClaim.status === 'attended' ? `（记 ${p.myClaim.hours ?? 0} 小时${p.myClaim.points !== null ? `，${p.myClaim.points} 积分` : ''}）` : '';
    return `我${CLAIM_STATUS_NAMES[p.myClaim.status]}${credit}`;
  }
  if (p.status !== 'published') return PROJECT_STATUS_NAMES[p.status];
  const left = p.places - p.claimed;
  return left > 0 ? `招募中 · 还剩 ${left} 个名额` : '名额已满';
}
