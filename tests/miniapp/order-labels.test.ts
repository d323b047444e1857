import { ORDER_EVENT_TYPES, type AssignmentDto, type OrderEventDto } from '@bangbang/shared';
import { eventDetail, formatMinutes, myStatus, plainEventDetail, plainEventTitle } from '../../miniapp/src/services/labels';

/**
 * What the app says about an order. The resident's timeline is read by elderly people and their families: plain
 * words, no workers' terms. A volunteer sees their own part's status. Staff keep
 * the precise ones (order-buttons.test.ts checks those).
 */
type Event = Pick<OrderEventDto, 'type' | 'actorName' | 'reason' | 'data'>;
const ev = (type: Event['type'], data: Record<string, unknown> = {}, actorName: string | null = null, reason: string | null = null): Event => ({
  type,
  actorName,
  reason,
  data,
});

/** Words of the work (派单, 升级, 苏木, 街道, 网格员…) that a resident should not have to know. */
const JARGON = /派单|升级|苏木|街道|嘎查|旗县|改派|退单|签到|波|系统/;

describe('the timeline in plain words', () => {
  it('says an escalation as a person would: 社区暂时没人接，已请镇里帮忙安排', () => {
    const e = ev('escalate', { from: 'community', to: 'town' }, null, '超时未接单，自动升级');
    expect(plainEventDetail(e)).toBe('社区暂时没人接，已请镇里帮忙安排');
    expect(plainEventTitle(e)).toBe('正在请上一级帮忙安排');
    // staff still read the level and the reason
    expect(eventDetail(e)).toBe('系统 · 升级到苏木乡镇（街道） · 超时未接单，自动升级');
  });

  it('uses no workers’ terms in any title or detail', () => {
    const samples: Event[] = [
      ev('created', {}, '孙桂兰'),
      ev('dispatch', { assigneeName: '李海龙' }, '王建军'),
      ev('dispatch', { squadName: '暖心服务小分队', overLevel: true, level: 'grid' }, '张秀兰'),
      ev('reject', {}, '李海龙', '在外地'),
      ev('accept', {}, '李海龙'),
      ev('release', {}, '李海龙', '临时有事'),
      ev('check_in', {}, '李海龙'),
      ev('complete', { note: '药已送到' }, '李海龙'),
      ev('confirm', { rating: 5 }, '孙桂兰'),
      ev('reopen', {}, '孙桂兰', '药拿错了'),
      ev('cancel', {}, '孙桂兰', '不需要了'),
      ev('escalate', { to: 'community' }),
      ev('escalate', { to: 'county' }),
      ev('offer', { wave: 2, names: ['甲', '乙', '丙'] }),
      ev('recall', { recalled: [{ name: '李海龙' }] }, '王建军', '联系不上'),
      ev('urge', { count: 2 }, '孙桂兰'),
      ev('no_show', {}, null),
      ev('remind', {}, null),
    ];
    // every event type is covered
    expect(new Set(samples.map((s) => s.type))).toEqual(new Set(ORDER_EVENT_TYPES));
    for (const e of samples) {
      const line = `${plainEventTitle(e)} ${plainEventDetail(e)}`;
      expect({ type: e.type, line }).toEqual({ type: e.type, line: expect.not.stringMatching(JARGON) });
    }
  });

  it('names who helps, but not who was only asked or dropped out', () => {
    expect(plainEventDetail(ev('dispatch', { assigneeName: '李海龙' }, '王建军'))).toBe('请 李海龙 来帮忙');
    expect(plainEventDetail(ev('offer', { wave: 1, names: ['甲', '乙'] }))).toBe('已请 2 位志愿者，谁先有空谁来');
    expect(plainEventDetail(ev('release', {}, '李海龙', '临时有事'))).toBe('');
    expect(plainEventDetail(ev('accept', {}, '李海龙'))).toBe('李海龙');
  });
});

describe('a volunteer’s own status on an order for several people', () => {
  const part = (userId: string, state: AssignmentDto['state'], acceptedAt = '2026-12-01T08:00:00Z') => ({ userId, state, acceptedAt });
  const order = (status: 'pending' | 'accepted' | 'in_service' | 'completed' | 'closed', ...assignees: Array<ReturnType<typeof part>>) =>
    ({ status, assignees }) as unknown as Parameters<typeof myStatus>[0];

  it('is theirs, not the order’s (待接单 while others are still to come)', () => {
    expect(myStatus(order('pending', part('me', 'accepted')), 'me')).toBe('accepted');
    expect(myStatus(order('in_service', part('me', 'in_service'), part('other', 'accepted')), 'me')).toBe('in_service');
    expect(myStatus(order('in_service', part('me', 'completed'), part('other', 'in_service')), 'me')).toBe('completed');
    expect(myStatus(order('closed', part('me', 'completed')), 'me')).toBe('closed');
  });

  it('is the order’s when they hold no part (not taken, given back, or someone else)', () => {
    expect(myStatus(order('pending', part('other', 'accepted')), 'me')).toBe('pending');
    expect(myStatus(order('pending', part('me', 'released')), 'me')).toBe('pending');
    // released and then taken again: the latest place counts
    expect(myStatus(order('pending', part('me', 'released', '2026-12-01T08:00:00Z'), part('me', 'accepted', '2026-12-01T09:00:00Z')), 'me')).toBe('accepted');
  });
});

describe('how long, in words a person reads at a glance', () => {
  it('counts minutes, then hours and minutes, then days and hours (never 「已等待 19755 分钟」)', () => {
    expect(formatMinutes(45)).toBe('45 分钟');
    expect(formatMinutes(120)).toBe('2 小时');
    expect(formatMinutes(125)).toBe('2 小时 5 分钟');
    expect(formatMinutes(833)).toBe('13 小时 53 分钟');
    expect(formatMinutes(24 * 60)).toBe('1 天');
    expect(formatMinutes(19755)).toBe('13 天 17 小时');
  });
});
