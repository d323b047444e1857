import type { EntityManager } from 'typeorm';
import { emitNotifications, type NewNotification } from '../notifications/notifications.repo';
import { beijingTime } from '../notifications/texts';
import type { ClaimRow, ProjectRow } from './projects.repo';

/**
 * What the people who claimed a project hear (issue 22), in the transaction of the change: a project cancelled or
 * moved (another time or place) tells everyone still holding a place; a confirmed attendance tells its person their
 * hours and points. Through the notifications module like every other message (inbox, live, WeChat, SMS); each
 * message has a source of its own, so a retried request never tells anyone twice.
 */

type Db = Pick<EntityManager, 'query'>;

const DELIVERY = { maxAttempts: 5 };

/** The project was cancelled, or its time or place changed: everyone holding a place hears it. */
export async function tellClaimants(m: Db, p: ProjectRow, claims: readonly ClaimRow[], change: 'cancelled' | 'moved', now: Date): Promise<void> {
  const holding = claims.filter((c) => c.status === 'claimed');
  if (holding.length === 0) return;
  const when = `${beijingTime(new Date(p.starts_at), now)}–${beijingTime(new Date(p.ends_at), new Date(p.starts_at))}`;
  const text =
    change === 'cancelled'
      ? { title: '项目已取消', body: `您认领的「${p.title}」（${when}）已取消，不用再前往。如有疑问，请联系${p.region_name}。` }
      : { title: '项目时间或地点有变', body: `您认领的「${p.title}」改为 ${when}，地点：${p.address}。如不能参加，请在「社区项目」里取消认领。` };
  // a second move to yet another time is news again; the same move said twice is not
  const source = change === 'cancelled' ? `project-cancelled:${p.id}` : `project-moved:${p.id}:${p.starts_at}:${p.ends_at}:${p.address}`;
  const items: NewNotification[] = holding.map((c) => ({
    recipientId: c.user_id,
    recipientPhone: null,
    kind: 'project.changed',
    orderId: null,
    source,
    ...text,
    urgent: false,
  }));
  await emitNotifications(m, items, now, DELIVERY);
}

/** An attendance confirmed: its person hears the hours counted and the points credited. */
export async function tellAttended(m: Db, p: ProjectRow, claim: ClaimRow, now: Date): Promise<void> {
  if (claim.status !== 'attended') return;
  const hours = Math.round(((claim.minutes ?? 0) / 60) * 10) / 10;
  const points = claim.points !== null && claim.points > 0 ? `，获得 ${claim.points} 积分` : '';
  await emitNotifications(
    m,
    [
      {
        recipientId: claim.user_id,
        recipientPhone: null,
        kind: 'project.attended',
        orderId: null,
        source: `project-attended:${claim.id}`,
        title: '项目出勤已确认',
        body: `「${p.title}」已确认您参加，记服务时长 ${hours} 小时${points}。谢谢您！`,
        urgent: false,
      },
    ],
    now,
    DELIVERY,
  );
}
