import {
  ORDER_ACTIONS,
  ORDER_STATUSES,
  availableActions,
  isFinal,
  reopenWindowOpen,
  transition,
  type OrderAction,
  type OrderRelation,
  type OrderStatus,
} from '@bangbang/shared';

const RELATIONS: OrderRelation[] = ['requester', 'resident', 'family', 'callback', 'staff', 'assignee', 'eligible', 'offered'];
/** 催一下: the resident's side presses an open order; it stays as it is (issue 20). */
const urge = (to: OrderStatus) => ({ by: ['requester', 'resident', 'family'] as OrderRelation[], to });

/**
 * The state machine, written out by hand (not derived from the implementation): for each state and
 * action, who may do it and where the order goes. Everything not listed is refused.
 */
const ALLOWED: Partial<Record<OrderStatus, Partial<Record<OrderAction, { by: OrderRelation[]; to: OrderStatus }>>>> = {
  pending: {
    dispatch: { by: ['staff'], to: 'dispatched' },
    // one of several it is offered to at once (issue 20) takes it like anyone eligible
    accept: { by: ['eligible', 'assignee', 'offered'], to: 'accepted' },
    // giving back one's place in an order still waiting for more people
    release: { by: ['assignee'], to: 'pending' },
    cancel: { by: ['requester', 'family', 'staff'], to: 'cancelled' },
    // several people: the places taken so far while it waits for more (the server refuses when nobody has one)
    recall: { by: ['staff'], to: 'pending' },
    urge: urge('pending'),
  },
  dispatched: {
    accept: { by: ['assignee'], to: 'accepted' },
    reject: { by: ['assignee'], to: 'pending' },
    cancel: { by: ['requester', 'family', 'staff'], to: 'cancelled' },
    // 撤回改派 (issue 20)
    recall: { by: ['staff'], to: 'pending' },
    urge: urge('dispatched'),
  },
  accepted: {
    check_in: { by: ['assignee'], to: 'in_service' },
    release: { by: ['assignee'], to: 'pending' },
    cancel: { by: ['requester', 'family', 'staff'], to: 'cancelled' },
    // before anyone checked in
    recall: { by: ['staff'], to: 'pending' },
    urge: urge('accepted'),
  },
  in_service: {
    // the second and later people of a several-person order arriving
    check_in: { by: ['assignee'], to: 'in_service' },
    // a place taken back by staff while the others serve is filled from the task hall (the dispatched squad may too),
    // and who took it may give it back before arriving
    accept: { by: ['eligible', 'assignee'], to: 'in_service' },
    release: { by: ['assignee'], to: 'in_service' },
    complete: { by: ['assignee'], to: 'completed' },
    cancel: { by: ['staff'], to: 'cancelled' },
    // several people: the places of those not yet there, while the others serve
    recall: { by: ['staff'], to: 'in_service' },
    urge: urge('in_service'),
  },
  completed: {
    // the resident's word: themself, their family, or staff who called back a resident without either (电话回访);
    // not the proxy who placed it (issue 18: a staff member does not vouch for their own 代下单)
    confirm: { by: ['resident', 'family', 'callback'], to: 'closed' },
    reopen: { by: ['resident', 'family', 'callback'], to: 'pending' },
  },
  closed: {
    // 问题未解决 after confirming (issue 22): the same order reopens and its points are reversed; the server
    // allows it only within REOPEN_AFTER_CONFIRM_DAYS of the confirmation
    reopen: { by: ['resident', 'family', 'callback'], to: 'pending' },
  },
};

describe('the order state machine', () => {
  const cases = ORDER_STATUSES.flatMap((status) => ORDER_ACTIONS.flatMap((action) => RELATIONS.map((rel) => [status, action, rel] as const)));

  it.each(cases)('%s + %s by %s', (status, action, relation) => {
    const rule = ALLOWED[status]?.[action];
    const result = transition(status, action, [relation]);
    if (!rule) {
      // not possible in this state at all: 409 with a message naming the state
      expect(result).toMatchObject({ ok: false, kind: 'state' });
    } else if (rule.by.includes(relation)) {
      expect(result).toEqual({ ok: true, to: rule.to });
    } else {
      // possible, but not for this person: 403
      expect(result).toMatchObject({ ok: false, kind: 'role' });
    }
  });

  it('says what state the order is in when refusing, and "已被接单" to a late taker', () => {
    expect(transition('closed', 'cancel', ['staff'])).toEqual({ ok: false, kind: 'state', message: '该需求当前为「已完成」，不能取消。' });
    expect(transition('accepted', 'accept', ['eligible'])).toEqual({ ok: false, kind: 'state', message: '该需求已被接单。' });
    expect(transition('pending', 'complete', ['assignee'])).toMatchObject({ message: '该需求当前为「待接单」，不能完成服务。' });
  });

  it('keeps an order needing several people open until the last of them accepts', () => {
    expect(transition('pending', 'accept', ['eligible'], { headcount: 5, accepted: 0 })).toEqual({ ok: true, to: 'pending' });
    expect(transition('pending', 'accept', ['eligible'], { headcount: 5, accepted: 3 })).toEqual({ ok: true, to: 'pending' });
    expect(transition('pending', 'accept', ['eligible'], { headcount: 5, accepted: 4 })).toEqual({ ok: true, to: 'accepted' });
    expect(transition('pending', 'accept', ['eligible'], { headcount: 1, accepted: 0 })).toEqual({ ok: true, to: 'accepted' });
    // dispatched to one person or a squad: the first accept opens the rest of the places
    expect(transition('dispatched', 'accept', ['assignee'], { headcount: 3, accepted: 0 })).toEqual({ ok: true, to: 'pending' });
    expect(transition('dispatched', 'accept', ['assignee'], { headcount: 3, accepted: 2 })).toEqual({ ok: true, to: 'accepted' });
  });

  it('under way, takes a place only while the order is short of people; it stays in service', () => {
    expect(transition('in_service', 'accept', ['eligible'], { headcount: 3, accepted: 1 })).toEqual({ ok: true, to: 'in_service' });
    expect(transition('in_service', 'accept', ['eligible'], { headcount: 3, accepted: 2 })).toEqual({ ok: true, to: 'in_service' });
    // full: a late taker is told it is taken, whoever they are
    expect(transition('in_service', 'accept', ['eligible'], { headcount: 3, accepted: 3 })).toEqual({ ok: false, kind: 'state', message: '该需求已被接单。' });
    expect(transition('in_service', 'accept', ['requester'], { headcount: 1, accepted: 1 })).toEqual({ ok: false, kind: 'state', message: '该需求已被接单。' });
    // one not able to take it (a resident) is refused for who they are
    expect(transition('in_service', 'accept', ['requester'], { headcount: 3, accepted: 1 })).toMatchObject({ ok: false, kind: 'role' });
  });

  it('completes an order served by several people when the last of them is done', () => {
    expect(transition('in_service', 'complete', ['assignee'], { othersServing: 2 })).toEqual({ ok: true, to: 'in_service' });
    expect(transition('in_service', 'complete', ['assignee'], { othersServing: 0 })).toEqual({ ok: true, to: 'completed' });
  });

  it('keeps the window for reopening after confirmation', () => {
    const closedAt = new Date('2026-11-23T02:00:00.000Z');
    const later = (days: number) => new Date(closedAt.getTime() + days * 24 * 60 * 60 * 1000);
    expect(reopenWindowOpen(closedAt, later(6.9))).toBe(true);
    expect(reopenWindowOpen(closedAt, later(7))).toBe(false);
    expect(reopenWindowOpen(closedAt, later(1), 0)).toBe(false);
    expect(reopenWindowOpen(null, later(1))).toBe(false);
  });

  it('reads naturally when refusing "not solved"', () => {
    expect(transition('pending', 'reopen', ['requester'])).toEqual({ ok: false, kind: 'state', message: '该需求当前为「待接单」，不能反馈问题未解决。' });
  });

  it('lists the buttons to show', () => {
    expect(availableActions('pending', ['requester'])).toEqual(['cancel', 'urge']);
    expect(availableActions('pending', ['assignee'])).toEqual(['accept', 'release']);
    expect(availableActions('pending', ['offered'])).toEqual(['accept']);
    expect(availableActions('pending', ['staff', 'requester'])).toEqual(['dispatch', 'cancel', 'recall', 'urge']);
    expect(availableActions('dispatched', ['assignee'])).toEqual(['reject', 'accept']);
    expect(availableActions('dispatched', ['staff'])).toEqual(['cancel', 'recall']);
    expect(availableActions('accepted', ['assignee'])).toEqual(['release', 'check_in']);
    expect(availableActions('in_service', ['requester'])).toEqual(['urge']);
    expect(availableActions('completed', ['requester', 'resident'])).toEqual(['confirm', 'reopen']);
    expect(availableActions('completed', ['family'])).toEqual(['confirm', 'reopen']);
    // the staff member who ordered for a resident (代下单) confirms nothing
    expect(availableActions('completed', ['requester', 'staff'])).toEqual([]);
    expect(availableActions('pending', ['family'])).toEqual(['cancel', 'urge']);
    expect(availableActions('cancelled', RELATIONS)).toEqual([]);
    // a confirmed order: only 问题未解决, by the resident's side (within the window the server checks)
    expect(availableActions('closed', RELATIONS)).toEqual(['reopen']);
    expect(availableActions('closed', ['staff', 'assignee', 'requester'])).toEqual([]);
    expect(ORDER_STATUSES.filter(isFinal)).toEqual(['closed', 'cancelled']);
  });
});
