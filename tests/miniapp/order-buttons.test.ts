import { ORDER_ACTIONS, ORDER_STATUSES, availableActions, type OrderRelation, type OrderStatus, type Role } from '@bangbang/shared';
import { buttonFor, orderButtons } from '../../miniapp/src/services/order-buttons';
import { HOME_BY_ROLE, needsJoining, pickRole } from '../../miniapp/src/services/roles';
import { timeWindows } from '../../miniapp/src/services/time-windows';
import { eventDetail, eventTitle, formatDistance, formatTime, offerLine } from '../../miniapp/src/services/labels';

/**
 * The buttons an order shows come from the shared state machine (the server sends `availableActions` for the
 * viewer as `order.actions`); these check the labels each person sees in each state, and that no button appears
 * that the machine does not allow, or is missing one it does.
 */

const labels = (status: OrderStatus, relations: OrderRelation[]) => orderButtons(availableActions(status, relations)).map((b) => b.label);

describe('the buttons each person sees', () => {
  it.each<[string, OrderStatus, OrderRelation[], string[]]>([
    ['resident, waiting', 'pending', ['requester'], ['催一下', '取消需求']],
    ['resident, dispatched', 'dispatched', ['requester'], ['催一下', '取消需求']],
    ['resident, accepted', 'accepted', ['requester'], ['催一下', '取消需求']],
    ['resident, being served (too late to cancel)', 'in_service', ['requester'], ['催一下']],
    ['family of the resident (家属), waiting', 'pending', ['family'], ['催一下', '取消需求']],
    ['resident, done', 'completed', ['requester', 'resident'], ['确认并评价', '问题未解决']],
    ['family of the resident (家属), done', 'completed', ['family'], ['确认并评价', '问题未解决']],
    ['staff calling back a resident without phone or family (电话回访), done', 'completed', ['callback', 'staff'], ['确认并评价', '问题未解决']],
    ['resident, closed', 'closed', ['requester'], []],
    ['volunteer in the task hall', 'pending', ['eligible'], ['接单']],
    ['volunteer dispatched to', 'dispatched', ['assignee'], ['接单', '拒绝派单']],
    ['volunteer who accepted', 'accepted', ['assignee'], ['到达签到', '退单']],
    // the machine lets a holder of an order under way take a freed place and give back one not yet arrived at; the
    // server narrows the buttons to their own place (standing.ts, actionsFor): at the door, 签到 and 完成 are theirs
    ['volunteer at the door', 'in_service', ['assignee'], ['接单', '到达签到', '完成服务', '退单']],
    ['volunteer in the task hall, an order under way short of people', 'in_service', ['eligible'], ['接单']],
    ['volunteer, work done', 'completed', ['assignee'], []],
    // issue 20: 撤回改派 a dispatch, or an accepted order before check-in; waiting or being served, the machine allows
    // it for a several-person order (places taken, people not yet there) and the server sends it in `actions` only then
    ['staff, waiting', 'pending', ['staff'], ['派单', '撤回改派', '取消需求']],
    ['staff, dispatched', 'dispatched', ['staff'], ['撤回改派', '取消需求']],
    ['staff, accepted', 'accepted', ['staff'], ['撤回改派', '取消需求']],
    ['staff, being served', 'in_service', ['staff'], ['撤回改派', '取消需求']],
    // issue 18: the staff member who placed a proxy order does not confirm it; the resident or family does
    ['grid worker who ordered for a resident (代下单)', 'completed', ['requester', 'staff'], []],
    ['anyone, cancelled', 'cancelled', ['requester', 'staff', 'assignee', 'eligible'], []],
  ])('%s', (_who, status, relations, expected) => {
    expect(labels(status, relations)).toEqual(expected);
  });

  it('shows exactly the actions the state machine allows, for every status and every set of relations', () => {
    const all: OrderRelation[] = ['requester', 'resident', 'family', 'callback', 'staff', 'assignee', 'eligible'];
    for (const status of ORDER_STATUSES) {
      for (let mask = 0; mask < 1 << all.length; mask++) {
        const relations = all.filter((_, i) => mask & (1 << i));
        const allowed = availableActions(status, relations);
        const shown = orderButtons(allowed).map((b) => b.action);
        expect({ status, relations, shown: [...shown].sort() }).toEqual({ status, relations, shown: [...allowed].sort() });
      }
    }
  });

  it('puts the way forward first and giving up last', () => {
    expect(orderButtons(['cancel', 'accept', 'reject']).map((b) => b.action)).toEqual(['accept', 'reject', 'cancel']);
  });

  it('`only` keeps a list row to its one button', () => {
    expect(orderButtons(['accept', 'reject'], ['accept']).map((b) => b.action)).toEqual(['accept']);
    expect(orderButtons(['cancel'], ['accept'])).toEqual([]);
  });

  it('asks first for what cannot be undone, and for a reason where the timeline records one', () => {
    for (const action of ORDER_ACTIONS) {
      const b = buttonFor(action);
      const destructive = action === 'cancel' || action === 'reject' || action === 'release' || action === 'reopen' || action === 'recall';
      expect({ action, confirms: b.confirm !== null }).toEqual({ action, confirms: destructive });
      if (action === 'cancel' || action === 'reject' || action === 'release') expect(b.input).toBe('reason');
      if (destructive && action !== 'reopen') expect(b.tone).toBe('danger');
    }
    expect(buttonFor('confirm').input).toBe('rating');
    expect(buttonFor('complete').input).toBe('complete');
    expect(buttonFor('dispatch').input).toBe('assignee');
    // a reason and, if staff choose, someone else: the dispatcher's order page asks for both in one step
    expect(buttonFor('recall').input).toBe('reassign');
  });
});

describe('roles', () => {
  it('acts in the remembered role while the person still holds it', () => {
    expect(pickRole(['resident', 'volunteer'], 'resident')).toBe('resident');
    expect(pickRole(['resident', 'volunteer'], 'grid_worker')).toBe('volunteer');
  });

  it('defaults to the role with the most responsibility, and a person with none is a resident', () => {
    expect(pickRole(['resident', 'grid_worker', 'volunteer'], undefined)).toBe('grid_worker');
    expect(pickRole(['dispatcher', 'admin'], undefined)).toBe('admin');
    expect(pickRole([], undefined)).toBe('resident');
  });

  it('sends each role to its workspace (a subpackage page)', () => {
    expect(HOME_BY_ROLE).toEqual({
      resident: '/pages/resident/home/index',
      volunteer: '/pages/volunteer/hall/index',
      grid_worker: '/pages/dispatch/board/index',
      dispatcher: '/pages/dispatch/board/index',
      admin: '/pages/dispatch/board/index',
    });
  });

  it('sends a person without a phone or a place to joining (加入), never staff', () => {
    const person = (roles: Role[], phone: string | null, regionId: string | null) => ({ roles, phone, regionId });
    expect(needsJoining(person(['resident'], '13800000009', null))).toBe(true);
    expect(needsJoining(person(['resident'], null, 'grid'))).toBe(true);
    expect(needsJoining(person(['volunteer'], '13800000009', null))).toBe(true);
    expect(needsJoining(person(['resident'], '13800000009', 'grid'))).toBe(false);
    // a city-wide admin has no place; staff are placed by whoever registered them
    expect(needsJoining(person(['admin'], '13800000001', null))).toBe(false);
    expect(needsJoining(person(['resident', 'grid_worker'], null, 'grid'))).toBe(false);
    expect(needsJoining(undefined)).toBe(false);
  });
});

describe('words and times', () => {
  it('offers only windows still ahead, in Beijing time', () => {
    // 07:30 in Beijing
    expect(timeWindows(new Date('2026-11-22T23:30:00Z')).map((w) => w.label)).toEqual(['尽快', '今天上午', '今天下午', '明天上午', '明天下午']);
    // 15:00 in Beijing: the afternoon has begun
    const late = timeWindows(new Date('2026-11-23T07:00:00Z'));
    expect(late.map((w) => w.label)).toEqual(['尽快', '明天上午', '明天下午']);
    expect(late[1]).toMatchObject({ start: '2026-11-24T09:00:00+08:00', end: '2026-11-24T12:00:00+08:00' });
    // 23:30 UTC is already the next day in Beijing
    expect(timeWindows(new Date('2026-11-23T23:30:00Z'))[1]).toMatchObject({ label: '今天上午', start: '2026-11-24T09:00:00+08:00' });
  });

  it('formats times in Beijing time and distances in metres or kilometres', () => {
    expect(formatTime('2026-11-23T01:05:00Z')).toBe('11月23日 09:05');
    expect(formatTime(null)).toBe('');
    expect(formatDistance(350.4)).toBe('350 米');
    expect(formatDistance(2400)).toBe('2.4 公里');
    expect(formatDistance(null)).toBe('');
  });

  it('says how many were asked for an offered order, and by when to answer (Beijing time)', () => {
    expect(offerLine({ askedCount: 5, answerBy: '2026-11-23T02:35:00Z' })).toBe('同时请了 5 位，先接先得 · 10:35 前答复');
    expect(offerLine(null)).toBeUndefined();
    expect(eventDetail({ type: 'offer', actorName: null, reason: '同时请几位，先接先得', data: { wave: 2, names: ['李海龙', '王芳'] } })).toBe(
      '系统 · 第 2 波同时请了 2 位：李海龙、王芳 · 同时请几位，先接先得',
    );
  });

  it('says who did what on the timeline', () => {
    expect(eventDetail({ type: 'dispatch', actorName: '王建军', reason: null, data: { assigneeName: '李海龙' } })).toBe('王建军 · 派给 李海龙');
    expect(eventDetail({ type: 'escalate', actorName: null, reason: '超时未接单，自动升级', data: { to: 'community' } })).toBe(
      '系统 · 升级到嘎查村（社区） · 超时未接单，自动升级',
    );
    expect(eventDetail({ type: 'confirm', actorName: '孙桂兰', reason: null, data: { rating: 5 } })).toBe('孙桂兰 · 评分 5 星');
    // issue 20: 越级派单 and 撤回改派
    const over = { type: 'dispatch' as const, actorName: '王建军', reason: null, data: { assigneeName: '李海龙', overLevel: true, level: 'grid' } };
    expect(eventTitle(over)).toBe('越级派单');
    expect(eventDetail(over)).toBe('王建军 · 派给 李海龙 · 需求当时在网格级');
    expect(eventTitle({ type: 'dispatch', data: { assigneeName: '李海龙' } })).toBe('派单');
    expect(
      eventDetail({ type: 'recall', actorName: '王建军', reason: '联系不上', data: { recalled: [{ userId: 'u', name: '李海龙' }], squadName: null } }),
    ).toBe('王建军 · 从 李海龙 处撤回 · 联系不上');
    expect(eventDetail({ type: 'urge', actorName: '孙桂兰', reason: '药快吃完了', data: { count: 2, by: 'resident' } })).toBe(
      '孙桂兰 · 第 2 次催办 · 药快吃完了',
    );
  });
});
